/* sw-coro-switch-aarch64.S — the coroutine switch for AArch64 (AAPCS64)
 *
 * void _sw_coro_switch_asm (void **save_sp, void *new_sp);
 *
 * Saves the callee-saved registers x19–x28, the frame pointer x29, the
 * link register x30 and the low halves d8–d15 of v8–v15 in a 160-byte
 * frame, stores sp in *save_sp, loads new_sp, restores the same frame
 * from there and returns through the restored x30.  FPCR is not saved:
 * nothing in this program changes the rounding mode.
 *
 * A new stack is prepared in C (sw-coro-context.c) as if it had been
 * switched away from: x19 = entry, x20 = data, x29 = 0, x30 =
 * _sw_coro_trampoline_asm, which calls entry (data).
 */

        .text
        .globl  _sw_coro_switch_asm
        .hidden _sw_coro_switch_asm
        .type   _sw_coro_switch_asm, %function
        .p2align 4
_sw_coro_switch_asm:
        .cfi_startproc
        sub     sp, sp, #160
        .cfi_adjust_cfa_offset 160
        stp     x19, x20, [sp, #0]
        stp     x21, x22, [sp, #16]
        stp     x23, x24, [sp, #32]
        stp     x25, x26, [sp, #48]
        stp     x27, x28, [sp, #64]
        stp     x29, x30, [sp, #80]
        .cfi_rel_offset x29, 80
        .cfi_rel_offset x30, 88
        stp     d8,  d9,  [sp, #96]
        stp     d10, d11, [sp, #112]
        stp     d12, d13, [sp, #128]
        stp     d14, d15, [sp, #144]

        mov     x2, sp
        str     x2, [x0]
        mov     sp, x1

        ldp     x19, x20, [sp, #0]
        ldp     x21, x22, [sp, #16]
        ldp     x23, x24, [sp, #32]
        ldp     x25, x26, [sp, #48]
        ldp     x27, x28, [sp, #64]
        ldp     x29, x30, [sp, #80]
        ldp     d8,  d9,  [sp, #96]
        ldp     d10, d11, [sp, #112]
        ldp     d12, d13, [sp, #128]
        ldp     d14, d15, [sp, #144]
        add     sp, sp, #160
        .cfi_adjust_cfa_offset -160
        .cfi_restore x29
        .cfi_restore x30
        ret
        .cfi_endproc
        .size   _sw_coro_switch_asm, .-_sw_coro_switch_asm

/* First code a new context runs; sp is 16-byte aligned.  x30 is marked
 * undefined so unwinders and gdb stop here. */
        .globl  _sw_coro_trampoline_asm
        .hidden _sw_coro_trampoline_asm
        .type   _sw_coro_trampoline_asm, %function
        .p2align 4
_sw_coro_trampoline_asm:
        .cfi_startproc
        .cfi_undefined x30
        mov     x29, #0
        mov     x0, x20
        blr     x19
        /* entry must never return */
        brk     #0
        .cfi_endproc
        .size   _sw_coro_trampoline_asm, .-_sw_coro_trampoline_asm

        .section .note.GNU-stack,"",%progbits
