package server_test

import "google.golang.org/grpc/mem"

// emptyMessage and rawCodec let a test call any method with an empty
// request, whatever its message types: an empty protobuf encoding is valid
// for every message.
type emptyMessage struct{}

type rawCodec struct{}

func (rawCodec) Marshal(any) (mem.BufferSlice, error) { return mem.BufferSlice{}, nil }
func (rawCodec) Unmarshal(mem.BufferSlice, any) error { return nil }
func (rawCodec) Name() string                         { return "proto" }
