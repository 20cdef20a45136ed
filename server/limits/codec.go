package limits

import (
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// MaxEntries bounds the entries of all repeated fields of one request
// message, nested ones included. The largest request the API takes is a
// stream chunk of 10,000 records of a dozen values each (about 130,000
// entries). Decoding costs memory per entry, not per byte: 16 MiB of
// one-letter records would decode into 3.3 million records, about 300 MB.
const MaxEntries = 200_000

// Codec is the protobuf codec that counts a message's repeated entries on
// the wire, and refuses the message with ResourceExhausted before decoding
// it when there are more than MaxEntries.
type Codec struct {
	encoding.CodecV2 // the protobuf codec, for everything else
}

// NewCodec wraps gRPC's protobuf codec.
func NewCodec() Codec { return Codec{encoding.GetCodecV2("proto")} }

// Unmarshal counts, then decodes.
func (c Codec) Unmarshal(data mem.BufferSlice, v any) error {
	m, ok := v.(proto.Message)
	if !ok {
		return c.CodecV2.Unmarshal(data, v)
	}
	buf := data.MaterializeToBuffer(mem.DefaultBufferPool())
	defer buf.Free()
	budget := MaxEntries
	if !countEntries(buf.ReadOnlyData(), m.ProtoReflect().Descriptor(), &budget) {
		return status.Errorf(codes.ResourceExhausted, "message has more than %d repeated entries; send smaller messages", MaxEntries)
	}
	return proto.Unmarshal(buf.ReadOnlyData(), m)
}

// countEntries takes one from budget for every entry of a repeated field of
// b, a message of type md, and of the messages in it; false when the budget
// runs out. Malformed input is left to the decoder, which reports it.
func countEntries(b []byte, md protoreflect.MessageDescriptor, budget *int) bool {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return true
		}
		b = b[n:]
		fd := md.Fields().ByNumber(num)
		var val []byte
		if typ == protowire.BytesType {
			val, n = protowire.ConsumeBytes(b)
		} else {
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return true
		}
		b = b[n:]
		if fd == nil {
			continue
		}
		if fd.IsList() || fd.IsMap() {
			if *budget--; *budget < 0 {
				return false
			}
			if typ == protowire.BytesType && fd.Kind() != protoreflect.StringKind && fd.Kind() != protoreflect.BytesKind && fd.Kind() != protoreflect.MessageKind {
				// A packed list of scalars: at least one entry per byte.
				if *budget -= len(val); *budget < 0 {
					return false
				}
			}
		}
		if fd.Kind() == protoreflect.MessageKind && typ == protowire.BytesType {
			if !countEntries(val, fd.Message(), budget) {
				return false
			}
		}
	}
	return true
}
