// Goroutine context switch for x86-64 System V.
//
// void* gocxx_ctx_switch(void** save_sp, void* new_sp, void* arg)
//
// Saves the callee-saved registers of the running context on its own stack, stores
// the resulting stack pointer in *save_sp, loads new_sp and restores the registers
// saved there, then returns `arg` in the resumed context. Everything else the ABI
// lets a callee clobber is already dead at the call site, so the compiler saved
// whatever it still needs. MXCSR and the x87 control word are shared by all
// goroutines of a thread, as in Go (gogo does not save them either).
//
// The resume address is popped and jumped to instead of `ret`: a `ret` into another
// context's call site always misses the return-stack predictor, and measured on the
// development VM that made a switch 9 ns instead of 3.5 ns (docs/decisions.md).
#if defined(__x86_64__)
        .text
        .p2align 4
        .globl  gocxx_ctx_switch
        .hidden gocxx_ctx_switch
        .type   gocxx_ctx_switch,@function
gocxx_ctx_switch:
        .cfi_startproc
        endbr64
        pushq   %rbp
        .cfi_adjust_cfa_offset 8
        .cfi_rel_offset rbp, 0
        pushq   %rbx
        .cfi_adjust_cfa_offset 8
        .cfi_rel_offset rbx, 0
        pushq   %r12
        .cfi_adjust_cfa_offset 8
        .cfi_rel_offset r12, 0
        pushq   %r13
        .cfi_adjust_cfa_offset 8
        .cfi_rel_offset r13, 0
        pushq   %r14
        .cfi_adjust_cfa_offset 8
        .cfi_rel_offset r14, 0
        pushq   %r15
        .cfi_adjust_cfa_offset 8
        .cfi_rel_offset r15, 0
        movq    %rsp, (%rdi)
        movq    %rsi, %rsp
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbx
        popq    %rbp
        popq    %rcx
        movq    %rdx, %rax
        jmpq    *%rcx
        .cfi_endproc
        .size   gocxx_ctx_switch, .-gocxx_ctx_switch

// First code run on a fresh goroutine stack: gocxx_ctx_switch "returns" here with the
// switch argument in %rax and the entry function in %r12 (placed by gocxx_ctx_make).
// The undefined return address ends every unwind (exceptions, backtraces) here, so
// an exception nobody catches reaches std::terminate with the throwing frames intact.
        .p2align 4
        .globl  gocxx_ctx_trampoline
        .hidden gocxx_ctx_trampoline
        .type   gocxx_ctx_trampoline,@function
gocxx_ctx_trampoline:
        .cfi_startproc
        .cfi_undefined rip
        endbr64
        xorl    %ebp, %ebp
        movq    %rax, %rdi
        callq   *%r12
        ud2
        .cfi_endproc
        .size   gocxx_ctx_trampoline, .-gocxx_ctx_trampoline

// void* gocxx_ctx_make(void* stack_top, void (*entry)(void*))
// Builds the frame gocxx_ctx_switch pops: r15 r14 r13 r12=entry rbx rbp=0, then the
// trampoline as return address. Leaves %rsp 16-byte aligned at the trampoline's call.
        .p2align 4
        .globl  gocxx_ctx_make
        .hidden gocxx_ctx_make
        .type   gocxx_ctx_make,@function
gocxx_ctx_make:
        .cfi_startproc
        endbr64
        movq    %rdi, %rax
        andq    $-16, %rax
        subq    $72, %rax
        movq    $0, 0(%rax)                  // r15
        movq    $0, 8(%rax)                  // r14
        movq    $0, 16(%rax)                 // r13
        movq    %rsi, 24(%rax)               // r12 = entry
        movq    $0, 32(%rax)                 // rbx
        movq    $0, 40(%rax)                 // rbp
        leaq    gocxx_ctx_trampoline(%rip), %rcx
        movq    %rcx, 48(%rax)               // return address
        movq    $0, 56(%rax)
        movq    $0, 64(%rax)
        ret
        .cfi_endproc
        .size   gocxx_ctx_make, .-gocxx_ctx_make
#endif
        .section .note.GNU-stack,"",@progbits
