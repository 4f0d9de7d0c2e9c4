// The assembly context switch between goroutine stacks (context_switch_<arch>.S);
// not to be confused with the context package (src/context).
#pragma once

extern "C" {
// Saves the running context's callee-saved registers on its stack, stores its stack
// pointer in *save_sp, resumes the context whose stack pointer is new_sp, and
// returns `arg` there.
void* gocxx_ctx_switch(void** save_sp, void* new_sp, void* arg);
// Prepares a fresh stack whose top is stack_top: switching to the returned stack
// pointer calls entry(arg) on it. entry must never return.
void* gocxx_ctx_make(void* stack_top, void (*entry)(void*));
}
