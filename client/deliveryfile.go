package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"

	"google.golang.org/grpc"

	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/seal"

	"github.com/ttpnl/ttp/client/csvfile"
)

// DeliveryKeys fetches the delivery keys of the requests whose project
// pseudonyms a recipient opens (ttp open): each from the TTP, sealed to the
// recipient's public key, opened with its private key, and kept for the
// run.
type DeliveryKeys struct {
	cc   grpc.ClientConnInterface
	priv *seal.PrivateKey
	keys map[deliveryKeyID]*seal.DeliveryKey
}

type deliveryKeyID struct {
	request uint64
	kind    seal.DeliveryKind
}

// NewDeliveryKeys returns the recipient's keys, fetched through cc.
func NewDeliveryKeys(cc grpc.ClientConnInterface, priv *seal.PrivateKey) *DeliveryKeys {
	return &DeliveryKeys{cc: cc, priv: priv, keys: map[deliveryKeyID]*seal.DeliveryKey{}}
}

// For returns request's delivery key of kind.
func (d *DeliveryKeys) For(ctx context.Context, request uint64, kind seal.DeliveryKind) (*seal.DeliveryKey, error) {
	id := deliveryKeyID{request, kind}
	if k, ok := d.keys[id]; ok {
		return k, nil
	}
	req := &ttpv1.GetDeliveryKeyRequest{Id: request, Communication: kind == seal.CommunicationKey}
	resp, err := ttpv1.NewDeliveryServiceClient(d.cc).GetDeliveryKey(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("delivery key of request %d: %w", request, err)
	}
	raw, err := seal.Open(d.priv, seal.DeliveryKeyInfo(request, kind), resp.SealedKey)
	if err != nil {
		return nil, fmt.Errorf("delivery key of request %d: %w (is -private-key the key registered for you?)", request, err)
	}
	k, err := seal.NewDeliveryKey(request, kind, raw)
	clear(raw)
	if err != nil {
		return nil, err
	}
	d.keys[id] = k
	return k, nil
}

// deliveryTable is one opened delivery file: a research file
// (ProjectColumn) or a communication file (CommunicationColumn).
type deliveryTable struct {
	header []string
	comma  rune
	col    int // ProjectColumn
	rows   [][]string
}

func readDelivery(ctx context.Context, keys *DeliveryKeys, in io.Reader, comma rune) (*deliveryTable, error) {
	r, err := csvfile.NewReader(in, csvfile.Options{Comma: comma})
	if err != nil {
		return nil, err
	}
	name := ProjectColumn
	col, ok := r.Column(name)
	if !ok {
		name = CommunicationColumn
		if col, ok = r.Column(name); !ok {
			return nil, csvfile.MissingColumn(ProjectColumn)
		}
	}
	t := &deliveryTable{header: r.Header(), comma: r.Comma(), col: col}
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			return t, nil
		}
		if err != nil {
			return nil, err
		}
		if row.Problem != nil {
			return nil, fmt.Errorf("row %d (line %d): %s", row.Number, row.Line, row.Problem)
		}
		cell := row.Fields[col]
		request, kind, err := seal.DeliveryRequest(cell)
		if err != nil {
			return nil, fmt.Errorf("row %d (line %d): %s is not a sealed pseudonym", row.Number, row.Line, name)
		}
		k, err := keys.For(ctx, request, kind)
		if err != nil {
			return nil, err
		}
		if row.Fields[col], err = k.Open(cell); err != nil {
			return nil, fmt.Errorf("row %d (line %d): %s does not open: %w", row.Number, row.Line, name, err)
		}
		t.rows = append(t.rows, row.Fields)
	}
}

// OpenDeliveryFile writes in to out with its project pseudonyms opened. It
// returns the number of rows.
func OpenDeliveryFile(ctx context.Context, keys *DeliveryKeys, in io.Reader, out io.Writer, comma rune) (int, error) {
	t, err := readDelivery(ctx, keys, in, comma)
	if err != nil {
		return 0, err
	}
	w := csvfile.NewWriter(out, t.comma)
	if err := w.Write(t.header); err != nil {
		return 0, err
	}
	for _, row := range t.rows {
		if err := w.Write(row); err != nil {
			return 0, err
		}
	}
	return len(t.rows), w.Flush()
}

// DeliveryInput is one file to join: its name prefixes its columns.
type DeliveryInput struct {
	Name string
	R    io.Reader
}

// JoinDeliveryFiles opens the files of one request, from several
// registries, and joins them on the project pseudonym: one row per person
// present in every file, in project pseudonym order. The row holds the
// project pseudonym, then per file how many rows it has for the person
// (NAME.rows) and the columns of the first of them (NAME.COLUMN). It returns
// the number of persons written.
func JoinDeliveryFiles(ctx context.Context, keys *DeliveryKeys, ins []DeliveryInput, out io.Writer, comma rune) (int, error) {
	if len(ins) == 0 {
		return 0, errors.New("no files to join")
	}
	tables := make([]*deliveryTable, len(ins))
	byPerson := make([]map[string][]int, len(ins)) // project pseudonym → row indexes
	for i, in := range ins {
		t, err := readDelivery(ctx, keys, in.R, comma)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", in.Name, err)
		}
		if t.header[t.col] != ProjectColumn {
			return 0, fmt.Errorf("%s: only research files (%s) are joined; a communication file stays apart", in.Name, ProjectColumn)
		}
		tables[i], byPerson[i] = t, map[string][]int{}
		for j, row := range t.rows {
			byPerson[i][row[t.col]] = append(byPerson[i][row[t.col]], j)
		}
	}
	var persons []string
	for p := range byPerson[0] {
		if !slices.ContainsFunc(byPerson[1:], func(m map[string][]int) bool { _, ok := m[p]; return !ok }) {
			persons = append(persons, p)
		}
	}
	slices.Sort(persons)
	w := csvfile.NewWriter(out, tables[0].comma)
	header := []string{ProjectColumn}
	for i, t := range tables {
		header = append(header, ins[i].Name+".rows")
		for c, name := range t.header {
			if c != t.col {
				header = append(header, ins[i].Name+"."+name)
			}
		}
	}
	if err := w.Write(header); err != nil {
		return 0, err
	}
	for _, p := range persons {
		row := []string{p}
		for i, t := range tables {
			idx := byPerson[i][p]
			row = append(row, strconv.Itoa(len(idx)))
			for c, v := range t.rows[idx[0]] {
				if c != t.col {
					row = append(row, v)
				}
			}
		}
		if err := w.Write(row); err != nil {
			return 0, err
		}
	}
	return len(persons), w.Flush()
}
