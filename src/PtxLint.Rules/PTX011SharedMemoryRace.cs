using System.Globalization;
using PtxLint.Analysis;
using PtxLint.Diagnostics;
using PtxLint.Engine;
using PtxLint.Ir;

namespace PtxLint.Rules;

/// <summary>
/// PTX011: two accesses to CTA shared memory, at least one a write and not both atomic, that two different threads can
/// make in one barrier interval with overlapping bytes. The facts come from <see cref="SharedMemoryRaces"/>
/// (<c>fn.Analyses.SharedRaces</c>): barrier intervals on the CFG, symbolic addresses over %tid and loop iterations,
/// guards that narrow the threads, and a witness pair of threads. The finding sits at the second access.
/// </summary>
public sealed class PTX011SharedMemoryRace : IRule
{
    public static readonly RuleDescriptor Rule = new()
    {
        Id = "PTX011",
        Name = "shared-memory-race",
        ShortDescription = "Two threads access the same shared-memory bytes with no barrier between (a data race)",
        FullDescription =
            "Two accesses to shared memory, at least one of them a write, that different threads of the CTA make in the same barrier " +
            "interval with overlapping addresses: warp partials merged by warp 0 without __syncthreads(), a reduction step that " +
            "reads a neighbour's slot while the neighbour writes it, a value one thread stores and every thread reads with no " +
            "barrier between. The result depends on warp scheduling: it passes tests and fails on 3 of 5 seeds.",
        DefaultLevel = Level.Error,
        PerFunction = true,
        Analyses = new[] { "barrier intervals", "cfg", "control dependence", "dominators", "facts", "linear forms", "local slots", "loops", "post-dominators", "reaching definitions", "register index", "shared-memory races", "special registers", "symbolic values", "uniformity" },
        AppliesTo = new FunctionFilter { TouchesShared = true },
        HelpText =
            "Put a barrier (bar.sync 0, __syncthreads()) between the two accesses where every thread of the CTA reaches it; for lanes " +
            "of one warp that only share slots among themselves, __syncwarp() (bar.warp.sync -1) is enough.",
        HelpMarkdown = RuleDocs.Load("PTX011"),
        Precision = "high",
        Tags = new[] { "correctness", "concurrency", "data-race" },
    };

    public RuleDescriptor Descriptor => Rule;

    public void Check(RuleContext ctx)
    {
        foreach (var fn in ctx.Functions)
        {
            // Cheap pre-check: a function without shared stores/atomics cannot race (a generic one only when an operand
            // names a shared variable, whose address it may carry).
            bool anyWrite = false;
            foreach (var insn in fn.InstructionSpan)
            {
                if (insn.Info.Mem is not (Semantics.MemKind.Store or Semantics.MemKind.Atomic)) continue;
                foreach (var m in insn.MemoryAccesses)
                    if (m.Space == StateSpace.Shared || m.Space == StateSpace.Generic && fn.Analyses.NamesSharedVariable) { anyWrite = true; break; }
                if (anyWrite) break;
            }
            if (!anyWrite) continue;
            var races = fn.Analyses.SharedRaces.Races;
            var reported = new HashSet<int>();
            // One finding per second access; the engine merges those on one variable of a function (Finding.Cause):
            // an unrolled warp-synchronous scan races in dozens of pairs that one barrier (or __syncwarp) fixes.
            foreach (var race in races)
                if (reported.Add(race.Second.Instruction.Index)) Report(ctx, fn, race);
        }
    }

    private static string Op(SharedAccess a) => "`" + a.Instruction.FullOpcode + "`";

    private static string Name(SharedAccess a)
    {
        if (a.Symbol is not { } s) return "shared memory";
        var n = PTX006SharedOutOfBounds.Short(s.Name);
        // old nvcc: kernel$__cuda_local_var_15603_35_non_const_sdata
        var m = System.Text.RegularExpressions.Regex.Match(n, @"__cuda_local_var_\d+_\d+_(?:non_const_|const_)?(\w+)$");
        if (m.Success) n = m.Groups[1].Value;
        return n.Length > 40 ? n[..37] + "..." : n;
    }

    private static string Where(SharedAccess a, long? offset) =>
        a.Symbol is null ? "the same shared bytes" : offset is long o ? $"{Name(a)}+{o}" : Name(a);

    private static string Thread(ThreadBinding t) => "thread " + t;

    private static int Line(Instruction i) => i.Span.StartLine;

    private static Finding Report(RuleContext ctx, PtxFunction fn, SharedRace race)
    {
        var first = race.First;
        var second = race.Second;
        string where = Where(second, race.SecondOffset);
        string t1 = Thread(race.FirstThread), t2 = Thread(race.SecondThread);
        int l1 = Line(first.Instruction), l2 = Line(second.Instruction);
        string sameLine = first.Instruction == second.Instruction ? "here too" : $"at line {l1}";
        string message = race.Kind switch
        {
            "RAW" when second.Reads && !second.Writes => $"{Op(second)} in {t2} reads {where} while {t1} writes it {sameLine}, with no barrier between",
            "WAR" => $"{Op(second)} in {t2} overwrites {where} while {t1} may still read it {sameLine}, with no barrier between",
            _ => $"{Op(second)} in {t2} writes {where}, which {t1} also {(first.Writes ? "writes" : "reads")} {sameLine}, with no barrier between",
        };
        var f = ctx.Report(second.Instruction, message);
        var fa = fn.Analyses;

        // Notes: the witness, the path, what the verdict assumes.
        f.Notes.Add($"{t1} {(first.Writes ? (first.Reads ? "updates" : "writes") : "reads")} {first.Bytes} bytes at {Where(first, race.FirstOffset)} " +
                    $"(line {l1}: `{PTX005BarrierInDivergentControl.Text(first.Instruction)}`), {t2} {(second.Writes ? (second.Reads ? "updates" : "writes") : "reads")} " +
                    $"{second.Bytes} bytes at {where} (line {l2}): the bytes overlap and nothing orders the two");
        if (race.Splitter is { } split)
            f.Notes.Add($"the two threads part at the divergent branch at line {Line(split)} (`{PTX005BarrierInDivergentControl.Text(split)}`) and reach the accesses with no barrier on the way");
        else if (race.Path.Count > 0)
            f.Notes.Add(race.Path.Count == 1 && first.Instruction != second.Instruction
                ? $"no barrier between line {l1} and line {l2}"
                : $"a path from line {l1} to line {l2} passes no barrier ({string.Join(" -> ", race.Path.Take(8).Select(BlockName))}{(race.Path.Count > 8 ? " -> ..." : "")})");
        foreach (var c in second.Conditions.Concat(first.Conditions).Where(c => c.Predicate is not UnknownPred).Select(c => c.Source).Distinct().Take(3))
            f.Notes.Add($"the accesses are guarded by the branch at line {Line(c)} (`{PTX005BarrierInDivergentControl.Text(c)}`); the witness threads pass it");
        if (race.SameWarp)
            f.Notes.Add("the two threads are lanes of one warp: warp-synchronous execution is not guaranteed since Volta (independent thread scheduling)");
        else
            f.Notes.Add("the two threads are in different warps: only a CTA barrier orders them");
        var assumes = new List<string>(race.Assumptions);
        foreach (var c in race.AssumedConditions.Select(c => c.Source).Distinct().Take(3))
            assumes.Add($"the condition at line {Line(c)} (`{PTX005BarrierInDivergentControl.Text(c)}`) holds for the witness threads");
        if (assumes.Count > 0) f.Notes.Add("assumes " + string.Join("; ", assumes));

        // The launch decides whether the witness exists: say so and lower the level.
        bool launchDependent = race.AssumedConditions.Count > 0 || !race.WithinPlausibleBlock;
        if (launchDependent && f.Level == Level.Error) f.Level = Level.Warning;

        f.Help = BarrierHelp(fa, race);
        string variable = second.Symbol is null ? "shared memory" : Name(second);
        f.Cause = new FindingCause("var:" + (second.Symbol?.Name ?? "?"), $"racing access of {variable}", $"racing accesses of {variable}",
            $"{Op(second)} (line {l2}) races with line {l1} on {where}");
        f.Related.Add(new RelatedLocation(first.Instruction.Location,
            first.Instruction == second.Instruction
                ? $"{t1} executes the same access"
                : $"{t1} {(first.Writes ? "writes" : "reads")} {Where(first, race.FirstOffset)} here"));
        if (race.Splitter is { } sp)
            f.Related.Add(new RelatedLocation(sp.Location, "the threads part at this divergent branch"));
        var steps = new List<FlowStep> { new(first.Instruction.Location, $"{t1}: `{PTX005BarrierInDivergentControl.Text(first.Instruction)}`") };
        foreach (var b in race.Path.Skip(1))
        {
            if (b.Count == 0) continue;
            var head = fn.Instructions[b.Start];
            if (head == second.Instruction) break;
            steps.Add(new FlowStep(head.Location, $"no barrier in {BlockName(b)}"));
        }
        steps.Add(new FlowStep(second.Instruction.Location, $"{t2}: `{PTX005BarrierInDivergentControl.Text(second.Instruction)}`"));
        f.CodeFlows.Add(new CodeFlow($"{t1} and {t2} reach overlapping bytes of {Name(second)} with no barrier between", steps));
        // The ecosystem baseline's category: the kind, and whether only lanes of one warp race.
        f.Properties["category"] = race.Kind + (race.SameWarp ? "-same-warp" : "-cross-warp");
        f.Data = new SharedRaceData
        {
            Kernel = fn.Name,
            FirstLine = l1,
            SecondLine = l2,
            Symbol = second.Symbol?.Name,
            Kind = race.Kind,
            FirstThread = race.FirstThread.ToString(),
            SecondThread = race.SecondThread.ToString(),
            BlockX = race.NeededBlock.X,
            BlockY = race.NeededBlock.Y,
            BlockZ = race.NeededBlock.Z,
            SameWarp = race.SameWarp,
        };
        return f;
    }

    private static string BlockName(BasicBlock b) => b.Labels.Count > 0 ? b.Labels[0] : $"B{b.Id}";

    /// <summary>Where the barrier goes: the first block on the path that every thread of the CTA reaches.</summary>
    private static string BarrierHelp(FunctionAnalyses fa, SharedRace race)
    {
        var fn = fa.Function;
        int l1 = Line(race.First.Instruction), l2 = Line(race.Second.Instruction);
        string sync = race.SameWarp
            ? "`bar.sync 0` (`__syncthreads()`), or `bar.warp.sync -1` (`__syncwarp()`) if only lanes of one warp share these bytes,"
            : "`bar.sync 0` (`__syncthreads()`)";
        string? before = null;
        foreach (var b in race.Path.Skip(1))
        {
            if (b.Count == 0 || fa.Uniformity.IsInDivergentRegion(b)) continue;
            before = $"e.g. before line {fn.Instructions[b.Start].Span.StartLine}";
            break;
        }
        if (race.First.Instruction == race.Second.Instruction)
            return $"give each thread its own bytes, make the update atomic, or separate the iterations with {sync}";
        return $"put {sync} between line {l1} and line {l2} where every thread of the CTA reaches it" + (before is null ? "" : $" ({before})");
    }
}

/// <summary>What a PTX011 finding tells its confirmer (also SARIF properties): the two accesses and the witness threads.</summary>
public sealed class SharedRaceData : FindingData
{
    public required string Kernel { get; init; }
    /// <summary>PTX lines of the first and second access.</summary>
    public required int FirstLine { get; init; }
    public required int SecondLine { get; init; }
    public string? Symbol { get; init; }
    /// <summary>RAW, WAR or WAW.</summary>
    public required string Kind { get; init; }
    public required string FirstThread { get; init; }
    public required string SecondThread { get; init; }
    /// <summary>The smallest block the witness needs.</summary>
    public int BlockX { get; init; } = 1;
    public int BlockY { get; init; } = 1;
    public int BlockZ { get; init; } = 1;
    public bool SameWarp { get; init; }

    public override IEnumerable<KeyValuePair<string, object?>> ToProperties()
    {
        yield return new("raceFirstLine", FirstLine);
        yield return new("raceSecondLine", SecondLine);
        yield return new("raceSymbol", Symbol);
        yield return new("raceKind", Kind);
        yield return new("raceThreads", $"{FirstThread};{SecondThread}");
        yield return new("raceBlock", string.Create(CultureInfo.InvariantCulture, $"{BlockX},{BlockY},{BlockZ}"));
        yield return new("raceSameWarp", SameWarp);
    }

    public static SharedRaceData? FromProperties(PropertyReader p, string? kernel)
    {
        if (p.Int("raceFirstLine") is not int l1 || p.Int("raceSecondLine") is not int l2) return null;
        var threads = (p.String("raceThreads") ?? ";").Split(';');
        var block = (p.String("raceBlock") ?? "1,1,1").Split(',').Select(s => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : 1).ToArray();
        return new SharedRaceData
        {
            Kernel = kernel ?? "",
            FirstLine = l1,
            SecondLine = l2,
            Symbol = p.String("raceSymbol"),
            Kind = p.String("raceKind") ?? "RAW",
            FirstThread = threads[0],
            SecondThread = threads.Length > 1 ? threads[1] : "",
            BlockX = block.Length > 0 ? block[0] : 1,
            BlockY = block.Length > 1 ? block[1] : 1,
            BlockZ = block.Length > 2 ? block[2] : 1,
            SameWarp = p.Bool("raceSameWarp") ?? false,
        };
    }
}
