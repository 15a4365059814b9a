using PtxLint.Analysis;
using PtxLint.Diagnostics;
using PtxLint.Ir;

namespace PtxLint.Rules;

/// <summary>
/// Shared facts about tcgen05 (Blackwell tensor memory) instructions for PTX004, PTX007 and PTX008:
/// which operand is a TMEM address, constant folding of column counts and instruction descriptors, the
/// base + lane + column decomposition of a TMEM address, the shared-memory slot an alloc writes, and
/// branch-condition facts (which direction of a branch a block needs).
/// </summary>
internal static class Tcgen05
{
    /// <summary>The tcgen05 sub-operation (<c>alloc</c>, <c>ld</c>, <c>wait::ld</c>, <c>mma</c> ...), or null for other opcodes.</summary>
    public static string? Op(Instruction insn) =>
        insn.Opcode == "tcgen05" && insn.Modifiers.Length > 0 ? insn.Modifiers[0].TrimStart('.') : null;

    public static bool Is(Instruction insn, string op) => Op(insn) == op;

    /// <summary>The <c>.cta_group::N</c> of an instruction (1 or 2), or 0 when it has none.</summary>
    public static int CtaGroup(Instruction insn)
    {
        foreach (var m in insn.Modifiers)
            if (m.StartsWith(".cta_group::", StringComparison.Ordinal) && int.TryParse(m.AsSpan(12), out var n)) return n;
        return 0;
    }

    /// <summary>The TMEM address operands of a tcgen05 instruction: [taddr] of ld/st/cp/shift, every [..] of mma (d, a, scale, metadata); the first register of dealloc.</summary>
    public static IEnumerable<(Operand Operand, string Role)> TmemAddresses(Instruction insn)
    {
        switch (Op(insn))
        {
            case "ld" or "st" or "cp" or "shift":
                foreach (var op in insn.Operands)
                    if (op is AddressOperand a) { yield return (a, "address"); break; }
                break;
            case "mma":
                for (int i = 0; i < insn.Operands.Count; i++)
                    if (insn.Operands[i] is AddressOperand a)
                        yield return (a, i == 0 ? "D (accumulator) address" : i == 1 ? "A operand address" : "TMEM operand address");
                break;
            case "dealloc":
                if (insn.Operands.Count > 0 && insn.Operands[0] is RegisterOperand or ImmediateOperand) yield return (insn.Operands[0], "address");
                break;
        }
    }

    /// <summary>The register of a TMEM address operand (<c>[%r5+8]</c> or <c>%r5</c>), or null.</summary>
    public static RegisterOperand? AddressRegister(Operand op) => op switch
    {
        AddressOperand a => a.BaseRegister,
        RegisterOperand r => r,
        _ => null,
    };

    public static long AddressOffset(Operand op) => op is AddressOperand a ? a.Offset : 0;

    /// <summary>The constant value of an operand at an instruction (<see cref="ConstantValues.Constant"/>); null otherwise.</summary>
    public static long? Constant(Instruction at, Operand op) => at.Function.Analyses.Constants.Constant(at, op);

    // ---- shared-memory slots (where tcgen05.alloc writes the TMEM base)

    /// <summary>The shared slot of an address: (symbol, constant byte offset or null when not constant); null when no symbol roots it.</summary>
    public static (string Symbol, long? Offset)? Slot(Instruction at, AddressOperand addr)
    {
        if (addr.BaseSymbol is { } sym) return (sym, addr.Offset);
        if (addr.BaseRegister is not { } reg) return null;
        if (at.Function.Analyses.Constants.SymbolPlusConstant(at, reg) is { } l) return (l.Symbol!, l.Offset + addr.Offset);
        // Not a plain symbol+constant: fall back to the provenance roots (any offset).
        foreach (var s in at.Function.Analyses.Provenance.SourcesOfAddress(at, addr))
            if (s.Kind == ValueSourceKind.Symbol && s.Variable is { } v && v.Space.IsShared()) return (s.Name, null);
        return null;
    }

    /// <summary>The slot a <c>tcgen05.alloc</c> writes (its <c>[dst]</c>).</summary>
    public static (string Symbol, long? Offset)? AllocSlot(Instruction alloc) =>
        alloc.Operands.Count > 0 && alloc.Operands[0] is AddressOperand a ? Slot(alloc, a) : null;

    /// <summary>The column count operand of alloc/dealloc, folded to a constant when possible.</summary>
    public static long? Columns(Instruction allocOrDealloc) =>
        allocOrDealloc.Operands.Count > 1 ? Constant(allocOrDealloc, allocOrDealloc.Operands[1]) : null;

    public static bool SameSlot((string Symbol, long? Offset) a, (string Symbol, long? Offset) b) =>
        a.Symbol == b.Symbol && (a.Offset is null || b.Offset is null || a.Offset == b.Offset);

    /// <summary>The allocs of a function whose slot the load reads (address match, or ProvenanceInfo.WritersOf).</summary>
    public static List<Instruction> AllocsReadBy(Instruction load, IReadOnlyList<Instruction> allocs)
    {
        var result = new List<Instruction>();
        if (load.MemoryAccesses.Length == 0) return result;
        var access = load.MemoryAccesses[0];
        if (!access.Space.IsShared() && access.Space != StateSpace.Generic) return result;
        var slot = Slot(load, access.Address);
        foreach (var a in allocs)
        {
            var aslot = AllocSlot(a);
            if (slot is { } s && aslot is { } t && SameSlot(s, t)) result.Add(a);
        }
        if (result.Count > 0 || slot is not null) return result;
        // Unresolved address: ask provenance which instructions write the slot.
        var prov = load.Function.Analyses.Provenance;
        foreach (var def in load.Defs)
            foreach (var src in prov.SourcesOf(NextOrSelf(load), def))
                if (src.Kind == ValueSourceKind.Load && src.Origin == load)
                    foreach (var w in prov.WritersOf(src))
                        if (allocs.Contains(w) && !result.Contains(w)) result.Add(w);
        return result;
    }

    private static Instruction NextOrSelf(Instruction i) =>
        i.Index + 1 < i.Function.Instructions.Count ? i.Function.Instructions[i.Index + 1] : i;

    // ---- TMEM address decomposition: base (the alloc's value) + lane bits (31..16) + column bits (15..0)

    /// <summary>
    /// An abstract TMEM address: the alloc-slot loads it adds (the base), a constant, whether it adds unknown terms whose
    /// low 16 bits are zero (lane offsets such as <c>(warp*32) &lt;&lt; 16</c>), and whether it adds anything else unknown.
    /// </summary>
    public sealed record TmemValue(IReadOnlyList<Instruction> BaseLoads, long Const, bool LaneTerm, bool Unknown)
    {
        public static readonly TmemValue Opaque = new(Array.Empty<Instruction>(), 0, false, true);
        public static TmemValue Of(long c) => new(Array.Empty<Instruction>(), c, false, false);
        public static readonly TmemValue Lane = new(Array.Empty<Instruction>(), 0, true, false);
        public bool IsConstant => BaseLoads.Count == 0 && !LaneTerm && !Unknown;
        /// <summary>The column offset (bits 15..0) relative to the base, when known.</summary>
        public long? Column => Unknown || Const < 0 ? null : Const & 0xFFFF;
        /// <summary>The lane offset (bits 31..16) relative to the base, when known (no unknown lane term).</summary>
        public long? LaneOffset => Unknown || LaneTerm || Const < 0 ? null : Const >> 16;

        public TmemValue Plus(TmemValue o) => Unknown || o.Unknown ? Opaque
            : new TmemValue(BaseLoads.Concat(o.BaseLoads).Distinct().ToArray(), Const + o.Const, LaneTerm || o.LaneTerm, false);
    }

    /// <summary>Evaluates a TMEM address operand at <paramref name="at"/>; <paramref name="isBaseLoad"/> says which loads read the alloc's slot.</summary>
    public static TmemValue Evaluate(Instruction at, Operand op, Func<Instruction, bool> isBaseLoad)
    {
        var v = EvalOperand(at, op, isBaseLoad, 0, new HashSet<int>());
        return v.Unknown ? v : v with { Const = v.Const + AddressOffset(op) };
    }

    private static TmemValue EvalOperand(Instruction at, Operand op, Func<Instruction, bool> isBaseLoad, int depth, HashSet<int> visiting)
    {
        switch (op)
        {
            case ImmediateOperand imm: return TmemValue.Of(imm.Value);
            case AddressOperand a:
                if (a.BaseSymbol is not null || a.IndexRegister is not null) return TmemValue.Opaque;
                return a.BaseRegister is { } br ? EvalOperand(at, br, isBaseLoad, depth, visiting) : TmemValue.Of(0);
            case RegisterOperand r when !r.IsSpecial:
            {
                if (depth > 24) return TmemValue.Opaque;
                var fn = at.Function;
                var defs = fn.Analyses.Defs.ReachingIndices(at, r.Name);
                if (defs.Length == 0) return TmemValue.Opaque;
                TmemValue? result = null;
                foreach (var d in defs)
                {
                    if (d < 0 || !visiting.Add(d)) return TmemValue.Opaque;
                    var v = EvalDef(fn.Instructions[d], isBaseLoad, depth + 1, visiting);
                    visiting.Remove(d);
                    if (v.Unknown) return v;
                    if (result is null) result = v;
                    else if (result.Const != v.Const || result.LaneTerm != v.LaneTerm || !result.BaseLoads.SequenceEqual(v.BaseLoads))
                    {
                        // Different definitions: keep what they agree on (the base) when the column part agrees.
                        if ((result.Const & 0xFFFF) == (v.Const & 0xFFFF) && result.BaseLoads.Count == v.BaseLoads.Count)
                            result = new TmemValue(result.BaseLoads.Concat(v.BaseLoads).Distinct().ToArray(), result.Const & 0xFFFF, true, false);
                        else return TmemValue.Opaque;
                    }
                }
                return result ?? TmemValue.Opaque;
            }
            default: return TmemValue.Opaque;
        }
    }

    private static TmemValue EvalDef(Instruction d, Func<Instruction, bool> isBaseLoad, int depth, HashSet<int> visiting)
    {
        if (d.Guard is not null) return TmemValue.Opaque;
        if (d.Info.Mem == Semantics.MemKind.Load)
            return isBaseLoad(d) ? new TmemValue(new[] { d }, 0, false, false) : TmemValue.Opaque;
        if (d.Defs.Length != 1 || d.Operands.Count < 2) return TmemValue.Opaque;
        TmemValue A(int i) => i < d.Operands.Count ? EvalOperand(d, d.Operands[i], isBaseLoad, depth, visiting) : TmemValue.Opaque;
        long? C(int i) => i < d.Operands.Count ? Constant(d, d.Operands[i]) : null;
        switch (d.Opcode)
        {
            case "mov" or "cvt":
                return A(1);
            case "add" or "or":
                return A(1).Plus(A(2));
            case "sub":
                return C(2) is long s ? A(1).Plus(TmemValue.Of(-s)) : TmemValue.Opaque;
            case "shl":
            {
                if (C(2) is not long k || k < 0 || k >= 32) return TmemValue.Opaque;
                var x = A(1);
                if (x.IsConstant) return TmemValue.Of(x.Const << (int)k);
                return k >= 16 && x.BaseLoads.Count == 0 ? TmemValue.Lane : TmemValue.Opaque;
            }
            case "and":
            {
                long? mask = C(2) ?? C(1);
                if (mask is not long m) return TmemValue.Opaque;
                var x = C(2) is not null ? A(1) : A(2);
                if (x.IsConstant) return TmemValue.Of(x.Const & m);
                return (m & 0xFFFF) == 0 && x.BaseLoads.Count == 0 ? TmemValue.Lane : TmemValue.Opaque;
            }
            case "mul":
            {
                if (C(2) is long f && f % 65536 == 0) return A(1).BaseLoads.Count == 0 ? TmemValue.Lane : TmemValue.Opaque;
                var x = A(1);
                var y = A(2);
                return x.IsConstant && y.IsConstant ? TmemValue.Of(x.Const * y.Const) : TmemValue.Opaque;
            }
            case "mad":
            {
                if (d.Operands.Count < 4) return TmemValue.Opaque;
                if (C(2) is long f && f % 65536 == 0 && A(1).BaseLoads.Count == 0) return TmemValue.Lane.Plus(A(3));
                if (C(1) is long g && g % 65536 == 0 && A(2).BaseLoads.Count == 0) return TmemValue.Lane.Plus(A(3));
                return TmemValue.Opaque;
            }
            default:
                return TmemValue.Opaque;
        }
    }

    // ---- data shapes

    /// <summary>
    /// The TMEM columns one tcgen05.ld/st touches: <c>.32x32b.xN</c> N, <c>.16x64b.xN</c> 2N, <c>.16x128b.xN</c> 4N,
    /// <c>.16x256b.xN</c> 8N, <c>.16x32bx2.xN</c> N (each half); for tcgen05.cp: 256b shapes 8, 128b shapes 4. Null when unknown.
    /// </summary>
    public static int? ColumnWidth(Instruction insn)
    {
        int bits = 0, num = 1;
        bool numSeen = false;
        foreach (var m in insn.Modifiers)
        {
            var s = m.AsSpan(1);
            int x = s.IndexOf('x');
            if (x > 0 && char.IsAsciiDigit(s[0]) && s.EndsWith("b") && int.TryParse(s[..x], out _) && int.TryParse(s[(x + 1)..^1], out var b)) bits = b;
            else if (s.SequenceEqual("16x32bx2")) bits = 32;
            else if (s.Length >= 2 && s[0] == 'x' && int.TryParse(s[1..], out var n)) { num = n; numSeen = true; }
        }
        if (bits == 0) return null;
        var op = Op(insn);
        if (op is "ld" or "st") return numSeen ? num * bits / 32 : null;
        if (op == "cp") return bits / 32;
        return null;
    }

    /// <summary>The lanes one tcgen05.ld/st touches from its address lane (32 for .32x32b, 16 for the 16xNNN shapes).</summary>
    public static int? LaneCount(Instruction insn)
    {
        foreach (var m in insn.Modifiers)
        {
            if (m.StartsWith(".32x", StringComparison.Ordinal)) return 32;
            if (m.StartsWith(".16x", StringComparison.Ordinal)) return 16;
        }
        return null;
    }

    /// <summary>The instruction-descriptor operand of tcgen05.mma: the first non-address operand after A and B.</summary>
    public static Operand? InstructionDescriptor(Instruction mma)
    {
        for (int i = 3; i < mma.Operands.Count; i++)
            if (mma.Operands[i] is not AddressOperand) return mma.Operands[i];
        return null;
    }

    public static string Kind(Instruction mma)
    {
        foreach (var m in mma.Modifiers)
            if (m.StartsWith(".kind::", StringComparison.Ordinal)) return m[7..];
        return "?";
    }

    /// <summary>Decoded M, N and the D-type field of a 32-bit instruction descriptor (PTX ISA, tcgen05 "Instruction descriptor" tables: N&gt;&gt;3 in bits 17-22, M&gt;&gt;4 in bits 24-28 for every kind).</summary>
    public static (int M, int N, int DType) Decode(long idesc) =>
        ((int)((idesc >> 24) & 0x1F) << 4, (int)((idesc >> 17) & 0x3F) << 3, (int)((idesc >> 4) & 0x3));

    // ---- branch facts

    /// <summary>
    /// A canonical key of a branch predicate: the comparison (eq/lt/lo, operands ordered) with each register operand
    /// identified by its reaching definitions, so two setp's with equal keys compute the same value;
    /// <paramref name="polarity"/> is false when the predicate is the complement of the key (ge = !lt ...).
    /// </summary>
    public static string? PredicateKey(Instruction at, RegisterOperand pred, out bool polarity)
    {
        polarity = true;
        var fn = at.Function;
        var defs = fn.Analyses.Defs.ReachingIndices(at, pred.Name);
        if (defs.Length != 1 || defs[0] < 0) return null;
        var d = fn.Instructions[defs[0]];
        if (d.Guard is not null) return null;
        if (d.Opcode == "not" && d.Operands.Count == 2 && d.Operands[1] is RegisterOperand inner)
        {
            var k = PredicateKey(d, inner, out var p);
            polarity = !p;
            return k;
        }
        if (d.Opcode != "setp" || d.Operands.Count < 3 || d.Operands[0] is not RegisterOperand)
            return "P:" + pred.Name + "@" + defs[0];
        string? cmp = null, type = null;
        foreach (var m in d.Modifiers)
        {
            if (m is ".and" or ".or" or ".xor") return "P:" + pred.Name + "@" + defs[0];
            if (m is ".eq" or ".ne" or ".lt" or ".le" or ".gt" or ".ge" or ".lo" or ".ls" or ".hi" or ".hs") cmp = m[1..];
            else if (Semantics.Types.IsType(m)) type = m;
        }
        if (cmp is null || type is null || type.StartsWith(".f", StringComparison.Ordinal)) return "P:" + pred.Name + "@" + defs[0];
        string sign = type.StartsWith(".s", StringComparison.Ordinal) ? "s" : "u";
        string a = OperandKey(d, d.Operands[1]), b = OperandKey(d, d.Operands[2]);
        // Unsigned compare names (lo/ls/hi/hs) are the same as lt/le/gt/ge on unsigned types.
        cmp = cmp switch { "lo" => "lt", "ls" => "le", "hi" => "gt", "hs" => "ge", _ => cmp };
        switch (cmp)
        {
            case "ne": polarity = false; cmp = "eq"; break;
            case "ge": polarity = false; cmp = "lt"; break;
            case "le": polarity = false; cmp = "gt"; break;
        }
        if (cmp == "gt") { cmp = "lt"; (a, b) = (b, a); }
        if (cmp == "eq" && string.CompareOrdinal(a, b) > 0) (a, b) = (b, a);
        return $"{cmp}.{sign}({a},{b})";
    }

    private static string OperandKey(Instruction at, Operand op)
    {
        if (Constant(at, op) is long c) return "#" + c;
        if (op is RegisterOperand r)
        {
            if (r.IsSpecial) return r.FullName;
            var defs = at.Function.Analyses.Defs.ReachingIndices(at, r.Name);
            // A register that is a plain copy of a special register (mov %r1, %tid.x) is keyed by the special register.
            if (defs.Length == 1 && defs[0] >= 0)
            {
                var d = at.Function.Instructions[defs[0]];
                if (d.Opcode == "mov" && d.Guard is null && d.Operands.Count == 2 && d.Operands[1] is RegisterOperand { IsSpecial: true } sr) return sr.FullName;
            }
            return r.Name + "@" + string.Join(",", defs);
        }
        return op.ToString() ?? "?";
    }

    /// <summary>For a conditional branch: the successor it jumps to and the one it falls through to.</summary>
    public static (BasicBlock Taken, BasicBlock Fall)? Successors(ControlFlowGraph cfg, Instruction bra)
    {
        if (bra.Guard is null || bra.Info.Flow != Semantics.FlowKind.Branch) return null;
        var b = cfg.BlockOf(bra);
        var target = ControlFlowGraph.BranchTarget(bra);
        if (target is null || !bra.Function.Labels.TryGetValue(target, out var idx)) return null;
        var taken = idx < bra.Function.Instructions.Count ? cfg.BlockOf(idx) : cfg.Exit;
        var fall = b.Id + 1 < cfg.Blocks.Count ? cfg.Blocks[b.Id + 1] : cfg.Exit;
        if (taken == fall) return null;
        return (taken, fall);
    }

    /// <summary>
    /// The predicate facts that hold whenever <paramref name="insn"/> executes: its own guard, and for each block on its
    /// dominator chain that is entered only by one edge of a conditional branch, the direction of that branch.
    /// Key (see <see cref="PredicateKey"/>) -> value of the canonical comparison. <paramref name="guards"/> gets those branches.
    /// </summary>
    public static Dictionary<string, bool> FactsAt(Instruction insn, List<Instruction>? guards = null)
    {
        var facts = new Dictionary<string, bool>(StringComparer.Ordinal);
        var fa = insn.Function.Analyses;
        var cfg = fa.Cfg;
        if (insn.Guard is { } g && PredicateKey(insn, g, out var pol) is { } gk)
            facts[gk] = g.Negated ? !pol : pol;
        for (var d = cfg.BlockOf(insn); d is not null; d = fa.Dominators.ImmediateDominator(d))
        {
            if (d.Predecessors.Count != 1) continue;
            var pred = d.Predecessors[0];
            var br = cfg.Terminator(pred);
            if (br?.Guard is not { } bg || Successors(cfg, br) is not { } s) continue;
            if (s.Taken != d && s.Fall != d) continue;
            var key = PredicateKey(br, bg, out var p);
            if (key is null) continue;
            bool takenWhenKey = bg.Negated ? !p : p; // the key value for which the branch jumps
            bool keyValue = s.Taken == d ? takenWhenKey : !takenWhenKey;
            if (facts.TryGetValue(key, out var prev) && prev != keyValue) continue;
            facts[key] = keyValue;
            guards?.Add(br);
        }
        return facts;
    }

    /// <summary>Which successors of a conditional branch are possible under <paramref name="facts"/> (both when unknown).</summary>
    public static IEnumerable<BasicBlock> FeasibleSuccessors(ControlFlowGraph cfg, BasicBlock b, IReadOnlyDictionary<string, bool> facts)
    {
        var t = cfg.Terminator(b);
        if (t is not null && t.Guard is { } g && Successors(cfg, t) is { } s && PredicateKey(t, g, out var p) is { } key
            && facts.TryGetValue(key, out var value))
        {
            bool takenWhenKey = g.Negated ? !p : p;
            yield return value == takenWhenKey ? s.Taken : s.Fall;
            yield break;
        }
        foreach (var x in b.Successors) yield return x;
    }

    /// <summary>A one-step code-flow list from instructions.</summary>
    public static CodeFlow Flow(string message, IEnumerable<(Instruction Insn, string Message)> steps) =>
        new(message, steps.Select(s => new FlowStep(s.Insn.Location, s.Message)).ToList());

    public static int Line(Instruction i) => i.Span.StartLine;
}
