package runtime

// SupportPackageIsVersion4 is referred to by code that picoflow generates, so
// that a file generated for another version of this package fails to build
// at that reference, whose comment says to run go generate, rather than at
// some call deep inside it. A runtime that drops support for the code of an
// older picoflow drops its constant; one that needs newer generated code
// adds the next.
const SupportPackageIsVersion4 = true
