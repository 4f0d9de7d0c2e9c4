// Goroutine context switch for AArch64 (AAPCS64). Same contract as the x86-64 file:
//
// void* gocxx_ctx_switch(void** save_sp, void* new_sp, void* arg)
//
// Saves x19-x30 and d8-d15 (the callee-saved set) on the running stack, publishes
// sp in *save_sp, switches to new_sp, restores, and returns `arg` there.
#if defined(__aarch64__)
        .text
        .p2align 4
        .globl  gocxx_ctx_switch
        .hidden gocxx_ctx_switch
        .type   gocxx_ctx_switch,%function
gocxx_ctx_switch:
        .cfi_startproc
        sub     sp, sp, #0xb0
        .cfi_adjust_cfa_offset 0xb0
        stp     d8,  d9,  [sp, #0x00]
        stp     d10, d11, [sp, #0x10]
        stp     d12, d13, [sp, #0x20]
        stp     d14, d15, [sp, #0x30]
        stp     x19, x20, [sp, #0x40]
        stp     x21, x22, [sp, #0x50]
        stp     x23, x24, [sp, #0x60]
        stp     x25, x26, [sp, #0x70]
        stp     x27, x28, [sp, #0x80]
        stp     x29, x30, [sp, #0x90]
        mov     x9, sp
        str     x9, [x0]
        mov     sp, x1
        ldp     d8,  d9,  [sp, #0x00]
        ldp     d10, d11, [sp, #0x10]
        ldp     d12, d13, [sp, #0x20]
        ldp     d14, d15, [sp, #0x30]
        ldp     x19, x20, [sp, #0x40]
        ldp     x21, x22, [sp, #0x50]
        ldp     x23, x24, [sp, #0x60]
        ldp     x25, x26, [sp, #0x70]
        ldp     x27, x28, [sp, #0x80]
        ldp     x29, x30, [sp, #0x90]
        add     sp, sp, #0xb0
        mov     x0, x2
        br      x30                          // not `ret`: see the x86-64 file
        .cfi_endproc
        .size   gocxx_ctx_switch, .-gocxx_ctx_switch

        .p2align 4
        .globl  gocxx_ctx_trampoline
        .hidden gocxx_ctx_trampoline
        .type   gocxx_ctx_trampoline,%function
gocxx_ctx_trampoline:
        .cfi_startproc
        .cfi_undefined x30
        mov     x29, xzr
        blr     x19
        brk     #0
        .cfi_endproc
        .size   gocxx_ctx_trampoline, .-gocxx_ctx_trampoline

// void* gocxx_ctx_make(void* stack_top, void (*entry)(void*))
        .p2align 4
        .globl  gocxx_ctx_make
        .hidden gocxx_ctx_make
        .type   gocxx_ctx_make,%function
gocxx_ctx_make:
        .cfi_startproc
        and     x0, x0, #~15
        sub     x0, x0, #0xb0
        mov     x9, #0
        mov     x10, #0
        stp     x9, x10, [x0, #0x00]
        stp     x9, x10, [x0, #0x10]
        stp     x9, x10, [x0, #0x20]
        stp     x9, x10, [x0, #0x30]
        stp     x1, x10, [x0, #0x40]         // x19 = entry
        stp     x9, x10, [x0, #0x50]
        stp     x9, x10, [x0, #0x60]
        stp     x9, x10, [x0, #0x70]
        stp     x9, x10, [x0, #0x80]
        adr     x11, gocxx_ctx_trampoline
        stp     x9, x11, [x0, #0x90]         // x29 = 0, x30 = trampoline
        ret
        .cfi_endproc
        .size   gocxx_ctx_make, .-gocxx_ctx_make
#endif
        .section .note.GNU-stack,"",%progbits
