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
