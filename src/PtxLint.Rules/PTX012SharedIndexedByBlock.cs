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
        foreach (var fn in ctx.Module.Functions)
        {
            if (!fn.HasBody) continue;
            bool usesBlockIndex = false;
            foreach (var insn in fn.Instructions)
            {
                foreach (var u in insn.Uses)
                    if (u.IsSpecial && u.Name is "%ctaid" or "%clusterid" or "%nctaid" or "%nclusterid") { usesBlockIndex = true; break; }
                if (usesBlockIndex) break;
            }
            if (!usesBlockIndex) continue;
            var byBlock = new List<(Instruction Insn, Expr Address, Atom Term)>();
            var byGridLoop = new List<(Instruction Insn, Expr Address, Loop Loop)>();
            var values = fn.Analyses.Values;
            foreach (var insn in fn.Instructions)
            {
                foreach (var m in insn.MemoryAccesses)
                {
                    if (m.Space is not (StateSpace.Shared or StateSpace.Generic) || m.Access == AccessKind.None) continue;
                    if (insn.Opcode is "mapa" || insn.Has(".shared::cluster")) continue;
                    var addr = values.AddressOf(insn, m.Address);
                    if (SymbolicValues.BaseSymbol(addr) is not { } sym || fn.FindVariable(sym.Name) is not { Space: StateSpace.Shared }) continue;
                    if (addr.Terms.Any(t => IsMapa(t.Atom))) continue;
                    var term = addr.Terms.Select(t => t.Atom).FirstOrDefault(IsBlockIndexTerm);
                    if (term is not null) { byBlock.Add((insn, addr, term)); continue; }
                    if (m.Access is AccessKind.Read or AccessKind.ReadWrite && GridLoopOf(fn, addr) is { } loop) byGridLoop.Add((insn, addr, loop));
                }
            }
            // One finding per variable: at the first block-indexed access, else at the first grid-wide read.
            var variables = byBlock.Select(x => SymbolicValues.BaseSymbol(x.Address)!).Concat(byGridLoop.Select(x => SymbolicValues.BaseSymbol(x.Address)!)).Distinct();
            foreach (var v in variables)
            {
                var indexed = byBlock.Where(x => SymbolicValues.BaseSymbol(x.Address) == v).ToList();
                var loops = byGridLoop.Where(x => SymbolicValues.BaseSymbol(x.Address) == v).ToList();
                Report(ctx, fn, v, indexed, loops);
            }
        }
    }

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

    private static void Report(RuleContext ctx, PtxFunction fn, Atom sym, List<(Instruction Insn, Expr Address, Atom Term)> indexed, List<(Instruction Insn, Expr Address, Loop Loop)> loops)
    {
        string name = Name(sym);
        Finding f;
        if (indexed.Count > 0)
        {
            var (insn, addr, term) = indexed[0];
            string by = term.Kind == AtomKind.Special ? term.Name : term.ToString();
            bool writes = insn.Info.Mem is MemKind.Store or MemKind.Atomic;
            f = ctx.Report(insn, $"`{insn.FullOpcode}` {(writes ? "writes" : "reads")} the slot of {name} picked by {by}: no other CTA sees this CTA's shared memory");
            f.Notes.Add($"the address is {Show(addr)}: it changes with the block index, but every CTA has its own copy of {name}");
            foreach (var (other, _, _) in indexed.Skip(1).Take(4))
                f.Related.Add(new RelatedLocation(other.Location, $"also indexed by the block: `{PTX005BarrierInDivergentControl.Text(other)}`"));
        }
        else
        {
            var (insn, addr, _) = loops[0];
            f = ctx.Report(insn, $"`{insn.FullOpcode}` reads {name} over a loop bounded by the grid size: no other CTA's writes land in this CTA's copy");
            f.Notes.Add($"the address is {Show(addr)}, indexed by a loop over %nctaid: slots meant for other CTAs, never written in this one");
        }
        foreach (var (insn, _, _) in loops.Take(3))
            if (insn.Location != f.Location)
                f.Related.Add(new RelatedLocation(insn.Location, $"reads {name} slot by slot over the grid: every slot but this CTA's own was never written here"));
        f.Notes.Add("shared memory lives as long as the CTA and is visible only to it; distributed shared memory (mapa, .shared::cluster) is the only cross-CTA form");
        f.Help = "write each CTA's partial to a global buffer (partials[blockIdx.x]) and reduce the partials in a second kernel, or use a grid-wide reduction or an atomic";
        f.Data = new SharedIndexedByBlockData
        {
            Symbol = sym.Name,
            AccessLine = f.Location.Span.StartLine,
            ReadLines = loops.Select(l => l.Insn.Span.StartLine).Concat(indexed.Where(x => x.Insn.Info.Mem == MemKind.Load).Select(x => x.Insn.Span.StartLine)).Distinct().ToArray(),
        };
    }

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
