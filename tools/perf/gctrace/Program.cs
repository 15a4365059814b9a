// gctrace: what the collector did in one ptxlint run, and who allocated, from an EventPipe trace (what --stats, which
// sums allocation and pauses per analysis, cannot show: why a collection was full, how large each generation and its
// budget were, which call sites allocate which types).
//
//   dotnet tool install --tool-path /tmp/dt dotnet-trace
//   # collections only (cheap):
//   /tmp/dt/dotnet-trace collect --providers Microsoft-Windows-DotNETRuntime:0x1:4 -o gc.nettrace -- \
//       dotnet src/PtxLint.Cli/bin/Release/net10.0/PtxLint.Cli.dll analyze --format json -o out.json DIR
//   dotnet run -c Release --project tools/perf/gctrace -- gc gc.nettrace [--each]
//   # allocation samples with stacks (about one per 100 KB; JIT build, so that frames have names):
//   /tmp/dt/dotnet-trace collect --providers Microsoft-Windows-DotNETRuntime:0x19:5 -o alloc.nettrace -- dotnet ...
//   dotnet run -c Release --project tools/perf/gctrace -- alloc alloc.nettrace [DEPTH] [TOP]
//
// gc: per generation the collections, their pause and the bytes they kept; with --each one line per collection: its
// generation, trigger, pause, heap before and after, the large-object heap and gen2 sizes and budgets, and each
// heap's condemn reasons (CondemnReasons0: two bits per reason, the generation it asked for; 0x28 is "gen2 by the
// final per-heap decision" and "gen2 by an allocation budget").
// alloc: the sampled bytes per type, then per type and call site (DEPTH frames of PtxLint code, 3 by default).
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Analysis;
using TraceLog = Microsoft.Diagnostics.Tracing.Etlx.TraceLog;
using Microsoft.Diagnostics.Tracing.Analysis.GC;
using Microsoft.Diagnostics.Tracing.Etlx;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

if (args.Length < 2 || args[0] is not ("gc" or "alloc"))
{
    Console.Error.WriteLine("usage: gctrace gc TRACE.nettrace [--each] | gctrace alloc TRACE.nettrace [DEPTH] [TOP]");
    return 2;
}
if (args[0] == "gc") Collections(args[1], args.Contains("--each"));
else Allocations(args[1], args.Length > 2 ? int.Parse(args[2]) : 3, args.Length > 3 ? int.Parse(args[3]) : 40);
return 0;

static void Collections(string path, bool each)
{
    using var source = new EventPipeEventSource(path);
    source.NeedLoadedDotNetRuntimes();
    source.Process();
    foreach (var process in source.Processes())
    {
        if (process.LoadedDotNetRuntime() is not { } runtime) continue;
        var pause = new double[3];
        var count = new int[3];
        var kept = new double[3];
        foreach (var g in runtime.GC.GCs)
        {
            int gen = Math.Min(g.Generation, 2);
            pause[gen] += g.PauseDurationMSec;
            count[gen]++;
            kept[gen] += g.PromotedMB;
            if (!each) continue;
            var reasons = string.Join(",", (g.PerHeapHistories ?? new()).Select(h => $"{h.CondemnReasons0:X}/{h.CondemnReasons1:X}"));
            Console.WriteLine($"#{g.Number} gen{g.Generation} {g.Type} {g.Reason}: pause {g.PauseDurationMSec:F1} ms, heap {g.HeapSizeBeforeMB:F0} -> {g.HeapSizeAfterMB:F0} MB, " +
                $"kept {g.PromotedMB:F1} MB; LOH {g.GenSizeBeforeMB[(int)Gens.GenLargeObj]:F0} -> {g.GenSizeAfterMB(Gens.GenLargeObj):F0} MB (budget {g.GenBudgetMB(Gens.GenLargeObj):F1}); " +
                $"gen2 {g.GenSizeBeforeMB[(int)Gens.Gen2]:F0} -> {g.GenSizeAfterMB(Gens.Gen2):F0} MB (budget {g.GenBudgetMB(Gens.Gen2):F1}); gen0 budget {g.GenBudgetMB(Gens.Gen0):F1} MB; reasons {reasons}");
        }
        Console.WriteLine($"process {process.ProcessID} ({process.Name}):");
        for (int gen = 0; gen < 3; gen++)
            Console.WriteLine($"  gen{gen}: {count[gen]} collections, paused {pause[gen]:F0} ms, kept {kept[gen]:F0} MB in all");
    }
}

static void Allocations(string path, int depth, int top)
{
    var etlx = TraceLog.CreateFromEventPipeDataFile(path);
    using var log = new TraceLog(etlx);
    var byType = new Dictionary<string, long>();
    var bySite = new Dictionary<string, long>();
    long total = 0;
    foreach (var e in log.Events)
    {
        if (e is not GCAllocationTickTraceData a) continue;
        long bytes = a.AllocationAmount64;
        total += bytes;
        byType[a.TypeName] = byType.GetValueOrDefault(a.TypeName) + bytes;
        var frames = new List<string>();
        for (var cs = e.CallStack(); cs is not null && frames.Count < depth; cs = cs.Caller)
        {
            var m = cs.CodeAddress.FullMethodName;
            if (!string.IsNullOrEmpty(m) && !m.StartsWith("System.", StringComparison.Ordinal)) frames.Add(m.Length > 90 ? m[..90] : m);
        }
        var site = a.TypeName + " @ " + string.Join(" <- ", frames);
        bySite[site] = bySite.GetValueOrDefault(site) + bytes;
    }
    Console.WriteLine($"sampled {total / 1e6:F0} MB");
    foreach (var (k, v) in byType.OrderByDescending(p => p.Value).Take(top)) Console.WriteLine($"{v / 1e6,8:F1} MB  {k}");
    Console.WriteLine("-- by call site");
    foreach (var (k, v) in bySite.OrderByDescending(p => p.Value).Take(top)) Console.WriteLine($"{v / 1e6,8:F1} MB  {k}");
}
