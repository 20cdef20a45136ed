package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/proto"

	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/server/authz"
	"github.com/ttpnl/ttp/server/records"
	"github.com/ttpnl/ttp/server/servertest"
)

// floodMemoryLimitMiB is ttpd's default -memory-limit-mb: the budget the
// flood must stay under.
const floodMemoryLimitMiB = 1536

// TestFloodStaysUnderMemoryLimit is the attack of issue 8, finding 6: one
// broker opens 120 CodeStreams at once and sends messages of the largest
// size ttpd accepts (16 MiB), as fast as flow control lets it, without reading an answer.
// It took ttpd to 2.44 GB of resident memory, over its 1.5 GiB limit. The
// peak (VmHWM) must stay under the limit, and ttpd must still serve
// afterwards.
func TestFloodStaysUnderMemoryLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("floods a ttpd process for about 20 s")
	}
	bin := buildTTPD(t)
	f := servertest.NewFixture(t,
		servertest.Principal{Name: "operator", Roles: []authz.Role{authz.Operator}},
		servertest.Principal{Name: "broker", Roles: []authz.Role{authz.Broker}})
	f.Config.Listen = freeAddr(t)
	if err := f.Config.Write(f.ConfigPath); err != nil {
		t.Fatal(err)
	}
	p := startFixture(t, bin, f)
	ctx := context.Background()
	admin := ttpv1.NewAdminServiceClient(dial(t, f, "operator"))
	if _, err := admin.CreateDomain(ctx, &ttpv1.CreateDomainRequest{Name: "nkr", Brokers: []string{"broker"}}); err != nil {
		t.Fatal(err)
	}

	// Every stream gets its own connection, as 120 clients would: one
	// connection would be held to its flow-control window.
	conns := make([]*grpc.ClientConn, 120)
	for i := range conns {
		conns[i] = dial(t, f, "broker")
	}
	for _, shape := range []struct {
		name string
		msg  []byte
	}{
		{"one-letter records", floodMessage(t, []string{"a"}, 1<<30)},
		{"records of two 800-letter values", floodMessage(t, []string{strings.Repeat("a", 800), strings.Repeat("b", 800)}, records.MaxPerChunk)},
	} {
		flood(t, conns, shape.msg, 8*time.Second)
		peak := vmHWM(t, p.cmd.Process.Pid)
		t.Logf("%d-byte messages of %s: ttpd peak resident memory %d MiB", len(shape.msg), shape.name, peak>>20)
		if peak >= floodMemoryLimitMiB<<20 {
			t.Fatalf("120 streams of %d-byte messages of %s took ttpd to %d MiB, over its %d MiB limit", len(shape.msg), shape.name, peak>>20, floodMemoryLimitMiB)
		}
	}

	// Still serving, to the same broker.
	cc := ttpv1.NewCodingServiceClient(dial(t, f, "broker"))
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := cc.Code(ctx, &ttpv1.CodeRequest{Domain: "nkr", Fields: []string{"bsn"}, Records: []*ttpv1.Record{{RowKey: "1", Values: []string{"111222333"}}}})
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the flood: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// floodMessage is a CodeStream message of records of values, as many as
// fit in the largest message ttpd reads (16 MiB), or were it to read them
// all, at most maxRecords. One-letter records are
// the cheapest way to make a server hold much: decoding turns each 5 bytes
// on the wire into a record of about 100 bytes in memory. Records of long
// values pass every check and get coded.
func floodMessage(t *testing.T, values []string, maxRecords int) []byte {
	t.Helper()
	fields := []string{"family_name", "given_names"}[:len(values)]
	one, err := proto.Marshal(&ttpv1.CodeStreamRequest{Records: []*ttpv1.Record{{Values: values}}})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := proto.Marshal(&ttpv1.CodeStreamRequest{Domain: "nkr", Fields: fields})
	if err != nil {
		t.Fatal(err)
	}
	for n := 0; n < maxRecords && len(raw)+len(one) <= 16<<20-64; n++ {
		raw = append(raw, one...) // repeated fields concatenate
	}
	return raw
}

// flood sends msg on one CodeStream per connection, again and again, for d,
// reading no answer; then it cancels every stream.
func flood(t *testing.T, conns []*grpc.ClientConn, msg []byte, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	desc := &grpc.StreamDesc{ClientStreams: true, ServerStreams: true}
	var wg sync.WaitGroup
	for _, cc := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := cc.NewStream(ctx, desc, ttpv1.CodingService_CodeStream_FullMethodName, grpc.ForceCodecV2(preEncoded{}))
			if err != nil {
				return
			}
			for st.SendMsg(msg) == nil {
			}
		}()
	}
	wg.Wait()
}

// preEncoded sends a message that is already encoded, so that 120 streams
// share one buffer instead of encoding 16 MiB each per send.
type preEncoded struct{}

func (preEncoded) Marshal(v any) (mem.BufferSlice, error) {
	return mem.BufferSlice{mem.SliceBuffer(v.([]byte))}, nil
}
func (preEncoded) Unmarshal(mem.BufferSlice, any) error { return nil }
func (preEncoded) Name() string                         { return "proto" }

// vmHWM is the peak resident memory of process pid, in bytes.
func vmHWM(t *testing.T, pid int) int64 {
	t.Helper()
	fh, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc/PID/status")
	return 0
}
