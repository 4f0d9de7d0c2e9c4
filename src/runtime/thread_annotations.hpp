// Clang's thread-safety analysis (-Wthread-safety, on in every Clang build of
// gocxx's own targets): which lock guards which field, and which functions must be
// called with a lock held. Other compilers ignore the attributes.
#pragma once

#if defined(__clang__)
#define GOCXX_TSA(x) __attribute__((x))
#else
#define GOCXX_TSA(x)
#endif

#define GOCXX_CAPABILITY(name) GOCXX_TSA(capability(name))
#define GOCXX_SCOPED_CAPABILITY GOCXX_TSA(scoped_lockable)
#define GOCXX_GUARDED_BY(lock) GOCXX_TSA(guarded_by(lock))
#define GOCXX_PT_GUARDED_BY(lock) GOCXX_TSA(pt_guarded_by(lock))
#define GOCXX_REQUIRES(...) GOCXX_TSA(requires_capability(__VA_ARGS__))
#define GOCXX_EXCLUDES(...) GOCXX_TSA(locks_excluded(__VA_ARGS__))
#define GOCXX_ACQUIRE(...) GOCXX_TSA(acquire_capability(__VA_ARGS__))
#define GOCXX_RELEASE(...) GOCXX_TSA(release_capability(__VA_ARGS__))
#define GOCXX_ASSERT_CAPABILITY(x) GOCXX_TSA(assert_capability(x))
#define GOCXX_RETURN_CAPABILITY(x) GOCXX_TSA(lock_returned(x))
// For the few functions whose locking the analysis cannot follow (a lock taken in
// one context and released by another's after-switch action); each says why.
#define GOCXX_NO_THREAD_SAFETY_ANALYSIS GOCXX_TSA(no_thread_safety_analysis)
