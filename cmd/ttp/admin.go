package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
)

// adminTimeout bounds every admin call: each is one small RPC, and a server
// that does not answer must not hang an operator's shell.
const adminTimeout = 30 * time.Second

// callAdmin connects with conn's settings and calls call with the Admin
// service, under a context that ends after adminTimeout or when ctx does
// (Ctrl-C).
func callAdmin(ctx context.Context, conn *connFlags, call func(context.Context, ttpv1.AdminServiceClient) error) error {
	return callService(ctx, conn, ttpv1.NewAdminServiceClient, call)
}

// callServer is callAdmin for any call on a connection.
func callServer(ctx context.Context, conn *connFlags, call func(context.Context, grpc.ClientConnInterface) error) error {
	return callService(ctx, conn, func(cc grpc.ClientConnInterface) grpc.ClientConnInterface { return cc }, call)
}

// callService is callAdmin for any service: newClient makes its client.
func callService[C any](ctx context.Context, conn *connFlags, newClient func(grpc.ClientConnInterface) C, call func(context.Context, C) error) error {
	cc, err := conn.dial()
	if err != nil {
		return err
	}
	defer cc.Close()
	callCtx, cancel := context.WithTimeout(ctx, adminTimeout)
	defer cancel()
	return stoppedBy(ctx, call(callCtx, newClient(cc)))
}

// answerFlags are the flags of an admin command that prints the server's
// answer: the connection, and -json.
type answerFlags struct {
	conn connFlags
	json bool
}

func (f *answerFlags) flags(fs *flag.FlagSet) {
	f.conn.register(fs)
	fs.BoolVar(&f.json, "json", false, "print JSON")
}

// printJSON prints a server answer as -json asks: protojson, multi-line.
func printJSON(w io.Writer, m proto.Message) error {
	b, err := protojson.MarshalOptions{Multiline: true}.Marshal(m)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(w, string(b))
	return err
}

// stamp is how the admin commands print a time: UTC, to the second.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
