#include "textflag.h"

// func dot8SSE(a, b []float32) float64
// X0 holds lanes s0..s3 (elements i mod 8 = 0..3), X1 holds s4..s7; the remainder is
// added to s0; the result is float64((s0+s1)+(s2+s3)) + float64((s4+s5)+(s6+s7)),
// exactly as dot8Go.
TEXT ·dot8SSE(SB), NOSPLIT, $0-56
	MOVQ  a_base+0(FP), SI
	MOVQ  a_len+8(FP), CX
	MOVQ  b_base+24(FP), DI
	XORPS X0, X0
	XORPS X1, X1
	MOVQ  CX, BX
	SHRQ  $3, BX
	JZ    tail8

loop8:
	MOVUPS (SI), X2
	MOVUPS (DI), X3
	MULPS  X3, X2
	ADDPS  X2, X0
	MOVUPS 16(SI), X4
	MOVUPS 16(DI), X5
	MULPS  X5, X4
	ADDPS  X4, X1
	ADDQ   $32, SI
	ADDQ   $32, DI
	DECQ   BX
	JNZ    loop8

tail8:
	ANDQ $7, CX
	JZ   reduce8

tailloop8:
	MOVSS (SI), X2
	MULSS (DI), X2
	ADDSS X2, X0
	ADDQ  $4, SI
	ADDQ  $4, DI
	DECQ  CX
	JNZ   tailloop8

reduce8:
	// X6 = (s0+s1)+(s2+s3)
	MOVAPS   X0, X6
	MOVAPS   X0, X2
	SHUFPS   $0x55, X2, X2
	ADDSS    X2, X6
	MOVAPS   X0, X3
	SHUFPS   $0xAA, X3, X3
	MOVAPS   X0, X4
	SHUFPS   $0xFF, X4, X4
	ADDSS    X4, X3
	ADDSS    X3, X6
	CVTSS2SD X6, X6

	// X7 = (s4+s5)+(s6+s7)
	MOVAPS   X1, X7
	MOVAPS   X1, X2
	SHUFPS   $0x55, X2, X2
	ADDSS    X2, X7
	MOVAPS   X1, X3
	SHUFPS   $0xAA, X3, X3
	MOVAPS   X1, X4
	SHUFPS   $0xFF, X4, X4
	ADDSS    X4, X3
	ADDSS    X3, X7
	CVTSS2SD X7, X7

	ADDSD X7, X6
	MOVSD X6, ret+48(FP)
	RET

// func dotSSE(a, b []float32) float32
// X0 holds lanes s0..s3 (elements i mod 4); the remainder is added to s0; the result is
// (s0+s1)+(s2+s3), exactly as dotGo.
TEXT ·dotSSE(SB), NOSPLIT, $0-52
	MOVQ  a_base+0(FP), SI
	MOVQ  a_len+8(FP), CX
	MOVQ  b_base+24(FP), DI
	XORPS X0, X0
	MOVQ  CX, BX
	SHRQ  $2, BX
	JZ    tail4

loop4:
	MOVUPS (SI), X2
	MOVUPS (DI), X3
	MULPS  X3, X2
	ADDPS  X2, X0
	ADDQ   $16, SI
	ADDQ   $16, DI
	DECQ   BX
	JNZ    loop4

tail4:
	ANDQ $3, CX
	JZ   reduce4

tailloop4:
	MOVSS (SI), X2
	MULSS (DI), X2
	ADDSS X2, X0
	ADDQ  $4, SI
	ADDQ  $4, DI
	DECQ  CX
	JNZ   tailloop4

reduce4:
	MOVAPS X0, X6
	MOVAPS X0, X2
	SHUFPS $0x55, X2, X2
	ADDSS  X2, X6
	MOVAPS X0, X3
	SHUFPS $0xAA, X3, X3
	MOVAPS X0, X4
	SHUFPS $0xFF, X4, X4
	ADDSS  X4, X3
	ADDSS  X3, X6
	MOVSS  X6, ret+48(FP)
	RET

// func butterfliesSSE(ur, ui, vr, vi, wr, wi []float32)
// Four butterflies at a time: t = w·v (tr = wr·vr − wi·vi, ti = wr·vi + wi·vr, each
// product rounded, as in butterfliesGo), u ← u + t, v ← u − t. len(ur) is a multiple of 4.
TEXT ·butterfliesSSE(SB), NOSPLIT, $0-144
	MOVQ ur_base+0(FP), AX
	MOVQ ur_len+8(FP), CX
	MOVQ ui_base+24(FP), BX
	MOVQ vr_base+48(FP), DX
	MOVQ vi_base+72(FP), SI
	MOVQ wr_base+96(FP), DI
	MOVQ wi_base+120(FP), R8
	SHRQ $2, CX
	JZ   bfdone

bfloop:
	MOVUPS (DX), X0 // vr
	MOVUPS (SI), X1 // vi
	MOVUPS (DI), X2 // wr
	MOVUPS (R8), X3 // wi

	MOVAPS X2, X4
	MULPS  X0, X4 // wr·vr
	MOVAPS X3, X5
	MULPS  X1, X5 // wi·vi
	SUBPS  X5, X4 // tr

	MOVAPS X2, X6
	MULPS  X1, X6 // wr·vi
	MOVAPS X3, X7
	MULPS  X0, X7 // wi·vr
	ADDPS  X7, X6 // ti

	MOVUPS (AX), X8 // ur
	MOVUPS (BX), X9 // ui
	MOVAPS X8, X10
	ADDPS  X4, X10
	SUBPS  X4, X8
	MOVAPS X9, X11
	ADDPS  X6, X11
	SUBPS  X6, X9
	MOVUPS X10, (AX)
	MOVUPS X11, (BX)
	MOVUPS X8, (DX)
	MOVUPS X9, (SI)

	ADDQ $16, AX
	ADDQ $16, BX
	ADDQ $16, DX
	ADDQ $16, SI
	ADDQ $16, DI
	ADDQ $16, R8
	DECQ CX
	JNZ  bfloop

bfdone:
	RET
