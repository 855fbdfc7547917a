/* sw-coro-switch-x86_64.S — the coroutine switch for x86-64 (System V)
 *
 * void _sw_coro_switch_asm (void **save_sp, void *new_sp);
 *
 * Pushes the callee-saved registers (rbp rbx r12–r15) and the MXCSR and
 * x87 control words, which the ABI also makes callee-saved (a coroutine's
 * rounding mode must not leak into the thread), stores rsp in *save_sp,
 * loads new_sp and pops the same frame from there.  The control words are
 * loaded only when they differ: ldmxcsr + fldcw cost ~2.5 ns of ~16 here.  Both sides
 * have the same layout, so one set of CFI rules describes the frame before
 * and after the stack pointer changes hands.
 *
 * A new stack is prepared in C (sw-coro-context.c) as if it had been
 * switched away from: r12 = entry, r13 = data, return address =
 * _sw_coro_trampoline_asm, which calls entry (data).
 */

        .text
        .globl  _sw_coro_switch_asm
        .hidden _sw_coro_switch_asm
        .type   _sw_coro_switch_asm, @function
        .p2align 4
_sw_coro_switch_asm:
        .cfi_startproc
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
        subq    $8, %rsp
        .cfi_adjust_cfa_offset 8
        stmxcsr (%rsp)
        fnstcw  4(%rsp)
        movl    (%rsp), %eax
        movzwl  4(%rsp), %edx

        movq    %rsp, (%rdi)
        movq    %rsi, %rsp

        /* Loading the control words is the slow part of a switch; they
         * almost never differ, so only load them when they do. */
        cmpl    (%rsp), %eax
        je      1f
        ldmxcsr (%rsp)
1:      cmpw    4(%rsp), %dx
        je      2f
        fldcw   4(%rsp)
2:
        addq    $8, %rsp
        .cfi_adjust_cfa_offset -8
        popq    %r15
        .cfi_adjust_cfa_offset -8
        .cfi_restore r15
        popq    %r14
        .cfi_adjust_cfa_offset -8
        .cfi_restore r14
        popq    %r13
        .cfi_adjust_cfa_offset -8
        .cfi_restore r13
        popq    %r12
        .cfi_adjust_cfa_offset -8
        .cfi_restore r12
        popq    %rbx
        .cfi_adjust_cfa_offset -8
        .cfi_restore rbx
        popq    %rbp
        .cfi_adjust_cfa_offset -8
        .cfi_restore rbp
        ret
        .cfi_endproc
        .size   _sw_coro_switch_asm, .-_sw_coro_switch_asm

/* First code a new context runs.  rsp is 16-byte aligned here (the C side
 * arranges it), so the call lands entry with the ABI's alignment.  The
 * return address is marked undefined: unwinders and gdb stop here rather
 * than walking into whatever lies above the stack. */
        .globl  _sw_coro_trampoline_asm
        .hidden _sw_coro_trampoline_asm
        .type   _sw_coro_trampoline_asm, @function
        .p2align 4
_sw_coro_trampoline_asm:
        .cfi_startproc
        .cfi_undefined rip
        xorl    %ebp, %ebp
        movq    %r13, %rdi
        callq   *%r12
        /* entry must never return */
        ud2
        .cfi_endproc
        .size   _sw_coro_trampoline_asm, .-_sw_coro_trampoline_asm

        .section .note.GNU-stack,"",@progbits
