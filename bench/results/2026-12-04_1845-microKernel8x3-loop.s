# The k loop of VectorGemm.microKernel8x3 as C2 (OpenJDK 17.0.15, Debian) compiled it on the 2-vCPU AMD EPYC (Zen 4, AVX-512),
# from -XX:CompileCommand=print,org.convnet4j.tensor.kernels.VectorGemm::microKernel8x3 (QuickGemm 1024, -Dconvnet4j.threads=1),
# decoded with tools/jit-disasm.py. Jar of f2039f9. Loop: 0x...8e30 to the jl at 0x...8f54.
    7f5188f58e30:	8b dd                	mov    %ebp,%ebx
    7f5188f58e32:	03 d9                	add    %ecx,%ebx
    7f5188f58e34:	44 3b cf             	cmp    %edi,%r9d
    7f5188f58e37:	0f 83 1b 09 00 00    	jae    0x7f5188f59758
    7f5188f58e3d:	45 8b e9             	mov    %r9d,%r13d
    7f5188f58e40:	41 83 c5 20          	add    $0x20,%r13d
    7f5188f58e44:	62 91 7e 48 6f a4 88 	vmovdqu32 0x10(%r8,%r9,4),%zmm4
    7f5188f58e4b:	10 00 00 00 
    7f5188f58e4f:	44 3b ef             	cmp    %edi,%r13d
    7f5188f58e52:	0f 83 48 0a 00 00    	jae    0x7f5188f598a0
    7f5188f58e58:	62 f2 7d 48 18 54 9a 	vbroadcastss 0x10(%rdx,%rbx,4),%zmm2
    7f5188f58e5f:	04 
    7f5188f58e60:	62 91 7e 48 6f ac 88 	vmovdqu32 0x50(%r8,%r9,4),%zmm5
    7f5188f58e67:	50 00 00 00 
    7f5188f58e6b:	62 62 6d 48 b8 ec    	vfmadd231ps %zmm4,%zmm2,%zmm29
    7f5188f58e71:	62 62 6d 48 b8 e5    	vfmadd231ps %zmm5,%zmm2,%zmm28
    7f5188f58e77:	62 01 7e 48 6f b4 88 	vmovdqu32 0x90(%r8,%r9,4),%zmm30
    7f5188f58e7e:	90 00 00 00 
    7f5188f58e82:	62 92 6d 48 b8 f6    	vfmadd231ps %zmm30,%zmm2,%zmm6
    7f5188f58e88:	48 63 eb             	movslq %ebx,%rbp
    7f5188f58e8b:	62 f2 7d 48 18 54 aa 	vbroadcastss 0x2c(%rdx,%rbp,4),%zmm2
    7f5188f58e92:	0b 
    7f5188f58e93:	62 f2 7d 48 18 5c aa 	vbroadcastss 0x14(%rdx,%rbp,4),%zmm3
    7f5188f58e9a:	05 
    7f5188f58e9b:	62 72 6d 48 b8 ec    	vfmadd231ps %zmm4,%zmm2,%zmm13
    7f5188f58ea1:	62 62 65 48 b8 dc    	vfmadd231ps %zmm4,%zmm3,%zmm27
    7f5188f58ea7:	62 62 65 48 b8 d5    	vfmadd231ps %zmm5,%zmm3,%zmm26
    7f5188f58ead:	62 02 65 48 b8 ce    	vfmadd231ps %zmm30,%zmm3,%zmm25
    7f5188f58eb3:	62 72 6d 48 b8 fd    	vfmadd231ps %zmm5,%zmm2,%zmm15
    7f5188f58eb9:	62 12 6d 48 b8 f6    	vfmadd231ps %zmm30,%zmm2,%zmm14
    7f5188f58ebf:	62 f2 7d 48 18 54 aa 	vbroadcastss 0x18(%rdx,%rbp,4),%zmm2
    7f5188f58ec6:	06 
    7f5188f58ec7:	62 f2 7d 48 18 5c aa 	vbroadcastss 0x1c(%rdx,%rbp,4),%zmm3
    7f5188f58ece:	07 
    7f5188f58ecf:	62 62 6d 48 b8 c4    	vfmadd231ps %zmm4,%zmm2,%zmm24
    7f5188f58ed5:	62 e2 65 48 b8 f4    	vfmadd231ps %zmm4,%zmm3,%zmm22
    7f5188f58edb:	62 72 65 48 b8 cd    	vfmadd231ps %zmm5,%zmm3,%zmm9
    7f5188f58ee1:	62 12 65 48 b8 c6    	vfmadd231ps %zmm30,%zmm3,%zmm8
    7f5188f58ee7:	62 e2 6d 48 b8 fd    	vfmadd231ps %zmm5,%zmm2,%zmm23
    7f5188f58eed:	62 92 6d 48 b8 fe    	vfmadd231ps %zmm30,%zmm2,%zmm7
    7f5188f58ef3:	62 f2 7d 48 18 54 aa 	vbroadcastss 0x20(%rdx,%rbp,4),%zmm2
    7f5188f58efa:	08 
    7f5188f58efb:	62 f2 7d 48 18 5c aa 	vbroadcastss 0x24(%rdx,%rbp,4),%zmm3
    7f5188f58f02:	09 
    7f5188f58f03:	62 e2 6d 48 b8 ec    	vfmadd231ps %zmm4,%zmm2,%zmm21
    7f5188f58f09:	62 72 65 48 b8 d4    	vfmadd231ps %zmm4,%zmm3,%zmm10
    7f5188f58f0f:	62 e2 65 48 b8 d5    	vfmadd231ps %zmm5,%zmm3,%zmm18
    7f5188f58f15:	62 12 65 48 b8 e6    	vfmadd231ps %zmm30,%zmm3,%zmm12
    7f5188f58f1b:	62 e2 6d 48 b8 e5    	vfmadd231ps %zmm5,%zmm2,%zmm20
    7f5188f58f21:	62 82 6d 48 b8 de    	vfmadd231ps %zmm30,%zmm2,%zmm19
    7f5188f58f27:	62 f2 7d 48 18 54 aa 	vbroadcastss 0x28(%rdx,%rbp,4),%zmm2
    7f5188f58f2e:	0a 
    7f5188f58f2f:	62 82 6d 48 b8 c6    	vfmadd231ps %zmm30,%zmm2,%zmm16
    7f5188f58f35:	62 72 6d 48 b8 dc    	vfmadd231ps %zmm4,%zmm2,%zmm11
    7f5188f58f3b:	62 e2 6d 48 b8 cd    	vfmadd231ps %zmm5,%zmm2,%zmm17
    7f5188f58f41:	41 83 c1 30          	add    $0x30,%r9d
    7f5188f58f45:	41 8b ea             	mov    %r10d,%ebp
    7f5188f58f48:	c1 e5 03             	shl    $0x3,%ebp
    7f5188f58f4b:	83 c5 08             	add    $0x8,%ebp
    7f5188f58f4e:	41 ff c2             	inc    %r10d
    7f5188f58f51:	44 3b d6             	cmp    %esi,%r10d
    7f5188f58f54:	0f 8c d6 fe ff ff    	jl     0x7f5188f58e30
    7f5188f58f5a:	49 8b b7 48 03 00 00 	mov    0x348(%r15),%rsi
    7f5188f58f61:	83 c3 08             	add    $0x8,%ebx
    7f5188f58f64:	85 06                	test   %eax,(%rsi)
    7f5188f58f66:	45 3b d6             	cmp    %r14d,%r10d
    7f5188f58f69:	0f 8d aa 00 00 00    	jge    0x7f5188f59019
    7f5188f58f6f:	8b dd                	mov    %ebp,%ebx
    7f5188f58f71:	41 8b f6             	mov    %r14d,%esi
    7f5188f58f74:	41 2b f2             	sub    %r10d,%esi
    7f5188f58f77:	45 3b f2             	cmp    %r10d,%r14d
    7f5188f58f7a:	0f 4c f0             	cmovl  %eax,%esi
    7f5188f58f7d:	81 fe e8 03 00 00    	cmp    $0x3e8,%esi
    7f5188f58f83:	41 0f 47 f3          	cmova  %r11d,%esi
    7f5188f58f87:	41 03 f2             	add    %r10d,%esi
    7f5188f58f8a:	e9 a3 fe ff ff       	jmp    0x7f5188f58e32
    7f5188f58f8f:	62 51 fe 48 6f fe    	vmovdqu64 %zmm14,%zmm15
    7f5188f58f95:	62 51 fe 48 6f ee    	vmovdqu64 %zmm14,%zmm13
    7f5188f58f9b:	62 c1 fe 48 6f c6    	vmovdqu64 %zmm14,%zmm16
