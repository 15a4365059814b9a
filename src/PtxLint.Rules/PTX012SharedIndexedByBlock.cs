using System.Globalization;
using PtxLint.Analysis;
using PtxLint.Diagnostics;
using PtxLint.Engine;
using PtxLint.Ir;
using PtxLint.Semantics;

namespace PtxLint.Rules;

/// <summary>
/// PTX012: a CTA shared-memory address that depends on the block index (<c>%ctaid</c>, <c>%clusterid</c>) as a term of
/// its sum (<c>s_amax + 4*%ctaid.x</c>, <c>smem + 4*(%ctaid.x*%ntid.x + %tid.x)</c>), or that walks a range indexed by a
/// grid-wide loop (a loop counter bounded by <c>%nctaid</c>). Shared memory is per CTA: a slot picked by the block
/// index is one no other CTA fills. Distributed shared memory (<c>mapa</c>, <c>.shared::cluster</c>) is exempt.
/// Uses <see cref="SymbolicValues"/> (<c>fn.Analyses.Values</c>) for the addresses and loop bounds.
/// </summary>
public sealed class PTX012SharedIndexedByBlock : IRule
{
    public static readonly RuleDescriptor Rule = new()
    {
        Id = "PTX012",
        Name = "shared-indexed-by-block",
        ShortDescription = "Shared-memory slot picked by the block index (%ctaid): no other CTA can see it",
        FullDescription =
            "A shared-memory address that depends on %ctaid or %clusterid, outside the distributed-shared-memory forms (mapa, " +
            "::cluster), or a shared range read by a loop over the grid (bounded by %nctaid). Shared memory is per CTA: each CTA " +
            "writes s_amax[blockIdx.x] in its own copy, and CTA 0 reading s_amax[1] reads a slot no thread of CTA 0 wrote.",
        DefaultLevel = Level.Warning,
        PerFunction = true,
        Analyses = new[] { "cfg", "dominators", "facts", "loops", "reaching definitions", "register index", "special registers", "symbolic values" },
        AppliesTo = new FunctionFilter { TouchesShared = true },
        HelpText =
            "Cross-CTA results go through global memory: write each CTA's partial to a global buffer (partials[blockIdx.x]) and " +
            "reduce the partials in a second kernel, with a grid-wide reduction (cooperative groups grid.sync()), or with an atomic. " +
            "Index shared memory by the thread index within the CTA.",
        HelpMarkdown = RuleDocs.Load("PTX012"),
        Precision = "high",
        Tags = new[] { "correctness", "memory" },
    };

    public RuleDescriptor Descriptor => Rule;

    private static readonly string[] BlockIndex = { "%ctaid", "%clusterid" };
    private static readonly string[] GridSize = { "%nctaid", "%nclusterid" };

    public void Check(RuleContext ctx)
    {
        foreach (var fn in ctx.Functions)
        {
            bool usesBlockIndex = false;
            foreach (var u in fn.Analyses.SpecialRegisters.Registers)
                if (IsBlockIndexRegister(u)) { usesBlockIndex = true; break; }
            if (!ctx.IgnorePrefilter && (!usesBlockIndex || !MayIndexSharedByBlock(fn))) continue;
            var values = fn.Analyses.Values;
            var accesses = new List<(Instruction Insn, Expr Address, Atom Symbol, bool Writes, bool Reads, Atom? BlockTerm)>();
            foreach (var insn in fn.InstructionSpan)
            {
                foreach (var m in insn.MemoryAccesses)
                {
                    if (m.Space is not (StateSpace.Shared or StateSpace.Generic) || m.Access == AccessKind.None) continue;
                    if (insn.Opcode is "mapa" || insn.Has(".shared::cluster")) continue;
                    var addr = values.AddressOf(insn, m.Address);
                    if (SymbolicValues.BaseSymbol(addr) is not { } sym || fn.FindVariable(sym.Name) is not { Space: StateSpace.Shared }) continue;
                    if (addr.Terms.Any(t => IsMapa(t.Atom))) continue;
                    var term = addr.Terms.Select(t => t.Atom).FirstOrDefault(IsBlockIndexTerm);
                    accesses.Add((insn, addr, sym, m.Access is AccessKind.Write or AccessKind.ReadWrite, m.Access is AccessKind.Read or AccessKind.ReadWrite, term));
                }
            }
            foreach (var group in accesses.GroupBy(a => a.Symbol))
            {
                var sym = group.Key;
                var variable = fn.FindVariable(sym.Name)!;
                var list = group.ToList();
                // Past the end for every CTA but CTA 0: the global index used as a shared index.
                var overrun = list.FirstOrDefault(a => a.BlockTerm is { } t && variable is { IsExtern: false, ByteSize: long size } && Math.Abs(a.Address.CoefficientOf(t)) >= size && t.Kind == AtomKind.Special);
                if (overrun.Insn is not null)
                {
                    ReportOverrun(ctx, fn, sym, variable, overrun.Insn, overrun.Address, overrun.BlockTerm!);
                    continue;
                }
                // Each CTA fills the slot of its block index and reads other slots: those hold what no thread of this CTA wrote.
                var blockWrites = list.Where(a => a.Writes && a.BlockTerm is not null).ToList();
                if (blockWrites.Count == 0 || list.Any(a => a.Writes && a.BlockTerm is null)) continue;
                var otherReads = list.Where(a => a.Reads && !a.Writes && !blockWrites.Any(w => w.Address.Equals(a.Address))).ToList();
                if (otherReads.Count == 0) continue;
                Report(ctx, fn, sym, blockWrites.Select(w => (w.Insn, w.Address, w.BlockTerm!)).ToList(),
                       otherReads.Select(r => (r.Insn, r.Address, GridLoopOf(fn, r.Address))).ToList());
            }
        }
    }

    /// <summary>
    /// A cheap filter before the symbolic values (and the reaching definitions they need): the registers computed from
    /// %ctaid/%clusterid/%nctaid/%nclusterid, flow-insensitively (<see cref="RegisterIndex.ForwardClosure"/>, not through
    /// loads or atomics); true when some shared or generic access's address register is one of them.
    /// </summary>
    private static bool MayIndexSharedByBlock(PtxFunction fn)
    {
        var regs = fn.Analyses.Registers;
        var fromBlock = regs.ForwardClosure(ReadsBlockIndex, NotMemoryRead);
        foreach (var insn in fn.InstructionSpan)
            foreach (var m in insn.MemoryAccesses)
                if (m.Space is StateSpace.Shared or StateSpace.Generic && regs.Contains(fromBlock, m.Address)) return true;
        return false;
    }

    private static bool NotMemoryRead(Instruction insn) => insn.Info.Mem is not (MemKind.Load or MemKind.Atomic);

    private static bool ReadsBlockIndex(Instruction insn)
    {
        if (!NotMemoryRead(insn)) return false;
        foreach (var u in insn.Uses)
            if (IsBlockIndexRegister(u)) return true;
        return false;
    }

    /// <summary>%ctaid, %clusterid, %nctaid or %nclusterid (any component).</summary>
    private static bool IsBlockIndexRegister(RegisterOperand u) => u.IsSpecial && u.Name is "%ctaid" or "%clusterid" or "%nctaid" or "%nclusterid";

    private static bool IsMapa(Atom a) => a.Kind == AtomKind.Operation && a.Name == "mapa" || a.Args.Any(e => e.Terms.Any(t => IsMapa(t.Atom)));

    /// <summary>A term of the address sum that is the block index, or a product with it (<c>%ctaid.x*%ntid.x</c>), or a loop value starting from it.</summary>
    private static bool IsBlockIndexTerm(Atom a)
    {
        if (a.Kind == AtomKind.Special) return BlockIndex.Any(p => a.Name.StartsWith(p, StringComparison.Ordinal));
        if (a.Kind == AtomKind.Operation && a.Name == "mul") return a.Args.Any(e => e.Terms.Any(t => IsBlockIndexTerm(t.Atom)));
        return false;
    }

    /// <summary>The loop whose iteration number indexes the address and whose exit test compares against the grid size (%nctaid), or null.</summary>
    private static Loop? GridLoopOf(PtxFunction fn, Expr address)
    {
        foreach (var (atom, _) in address.Terms)
        {
            if (atom.Kind is not (AtomKind.LoopCounter or AtomKind.Induction) || atom.Loop is not { } loop) continue;
            var values = fn.Analyses.Values;
            foreach (var br in loop.ExitBranches)
            {
                if (br.Guard is not { } g) continue;
                if (MentionsGridSize(values.PredicateOf(br, g))) return loop;
            }
        }
        return null;
    }

    private static bool MentionsGridSize(Pred p) => p.Atoms().Any(a => a.DependsOnSpecial(GridSize));

    private static string Name(Atom sym)
    {
        var n = PTX006SharedOutOfBounds.Short(sym.Name);
        return n.Length > 40 ? n[..37] + "..." : n;
    }

    private static void Report(RuleContext ctx, PtxFunction fn, Atom sym, List<(Instruction Insn, Expr Address, Atom Term)> indexed,
                               List<(Instruction Insn, Expr Address, Loop? Loop)> reads)
    {
        string name = Name(sym);
        var (insn, addr, term) = indexed[0];
        string by = term.Kind == AtomKind.Special ? term.Name : term.ToString();
        var f = ctx.Report(insn, $"`{insn.FullOpcode}` writes the slot of {name} picked by {by}: each CTA has its own {name}, other CTAs never see it");
        f.Notes.Add($"the address is {Show(addr)}: every write to {name} in {Short(fn.Name)} is indexed by the block, so in each CTA only its own slot is written");
        var (r, raddr, loop) = reads[0];
        f.Notes.Add(loop is not null
            ? $"line {r.Span.StartLine} reads {name} over a loop bounded by the grid size (`{PTX005BarrierInDivergentControl.Text(r)}`): every slot but this CTA's own holds what no thread of this CTA wrote"
            : $"line {r.Span.StartLine} reads {Show(raddr)} (`{PTX005BarrierInDivergentControl.Text(r)}`), a slot this CTA writes only when its block index selects it");
        foreach (var (other, _, _) in indexed.Skip(1).Take(3))
            f.Related.Add(new RelatedLocation(other.Location, $"also written at the block's slot: `{PTX005BarrierInDivergentControl.Text(other)}`"));
        foreach (var (rd, _, lp) in reads.Take(3))
            f.Related.Add(new RelatedLocation(rd.Location, lp is not null ? $"reads {name} slot by slot over the grid" : $"reads a slot of {name} that other CTAs were meant to fill"));
        f.Notes.Add("shared memory lives as long as the CTA and is visible only to it; distributed shared memory (mapa, .shared::cluster) is the only cross-CTA form");
        f.Help = "write each CTA's partial to a global buffer (partials[blockIdx.x]) and reduce the partials in a second kernel, or use a grid-wide reduction or an atomic";
        f.Properties["category"] = "block-slot";
        f.Data = new SharedIndexedByBlockData
        {
            Symbol = sym.Name,
            AccessLine = f.Location.Span.StartLine,
            ReadLines = reads.Select(x => x.Insn.Span.StartLine).Distinct().ToArray(),
        };
    }

    private static void ReportOverrun(RuleContext ctx, PtxFunction fn, Atom sym, VariableSymbol variable, Instruction insn, Expr addr, Atom term)
    {
        string name = Name(sym);
        bool writes = insn.Info.Mem is MemKind.Store or MemKind.Atomic;
        var f = ctx.Report(insn, $"`{insn.FullOpcode}` {(writes ? "writes" : "reads")} {name} at an offset that grows by {Math.Abs(addr.CoefficientOf(term))} bytes per {term.Name}: past its {variable.ByteSize} bytes in every CTA but the first");
        f.Notes.Add($"the address is {Show(addr)}: a grid-wide index used for a per-CTA array (shared memory is indexed from 0 in every CTA)");
        f.Notes.Add("shared memory lives as long as the CTA and is visible only to it; distributed shared memory (mapa, .shared::cluster) is the only cross-CTA form");
        f.Help = "index shared memory by the thread index within the CTA (threadIdx.x), and global memory by the grid-wide index";
        f.Properties["category"] = "global-index";
        f.Data = new SharedIndexedByBlockData { Symbol = sym.Name, AccessLine = insn.Span.StartLine, ReadLines = writes ? Array.Empty<int>() : new[] { insn.Span.StartLine } };
    }

    private static string Short(string fn) => fn.Length > 40 ? fn[..37] + "..." : fn;

    private static string Show(Expr e)
    {
        var s = e.ToString();
        return s.Length > 100 ? s[..97] + "..." : s;
    }
}

/// <summary>What a PTX012 finding tells its confirmer (also SARIF properties): the variable and the lines that read it.</summary>
public sealed class SharedIndexedByBlockData : FindingData
{
    public required string Symbol { get; init; }
    public required int AccessLine { get; init; }
    public IReadOnlyList<int> ReadLines { get; init; } = Array.Empty<int>();

    public override IEnumerable<KeyValuePair<string, object?>> ToProperties()
    {
        yield return new("symbol", Symbol);
        yield return new("accessLine", AccessLine);
        if (ReadLines.Count > 0) yield return new("readLines", string.Join(",", ReadLines.Select(l => l.ToString(CultureInfo.InvariantCulture))));
    }

    public static SharedIndexedByBlockData? FromProperties(PropertyReader p)
    {
        if (p.String("symbol") is not { } s || p.Int("accessLine") is not int line) return null;
        var reads = (p.String("readLines") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(x => int.TryParse(x, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : 0).Where(v => v > 0).ToArray();
        return new SharedIndexedByBlockData { Symbol = s, AccessLine = line, ReadLines = reads };
    }
}
