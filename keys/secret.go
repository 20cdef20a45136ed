package keys

// A secret holds 32 key bytes where fmt's reflection cannot print them.
//
// String, GoString and Format on the exported types cover direct printing.
// But when a KEK or Keyring sits in an unexported field of some other struct,
// fmt cannot call its methods and walks the fields instead, and for a verb
// like %s it prints a pointer to an array in full ("&[75 17 ...]"). A pointer
// to a pointer is printed as a bare address for every verb at every depth, so
// the bytes sit behind two.
type secret struct {
	pp **[32]byte
}

func newSecret(key *[32]byte) secret {
	return secret{pp: &key}
}

// bytes returns the key. Handle the result as the key it is.
func (s secret) bytes() *[32]byte { return *s.pp }
