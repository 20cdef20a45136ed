package badgerstore

import "syscall"

// releasePages tells the kernel that the process no longer needs the pages
// of [start, start+n), which must be a shared file mapping: they stay in
// the page cache.
func releasePages(start, n uintptr) error {
	_, _, errno := syscall.Syscall(syscall.SYS_MADVISE, start, n, syscall.MADV_DONTNEED)
	if errno != 0 {
		return errno
	}
	return nil
}
