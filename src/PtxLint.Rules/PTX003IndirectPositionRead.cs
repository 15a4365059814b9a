using System.Text.RegularExpressions;
using PtxLint.Analysis;
using PtxLint.Diagnostics;
using PtxLint.Engine;
using PtxLint.Ir;
using PtxLint.Semantics;

namespace PtxLint.Rules;

/// <summary>
/// PTX003: a single scalar loaded from global memory at a CTA-uniform address through a pointer parameter (the
/// graph-mode <c>position_buf</c> / <c>seq_len_buf</c> pattern) that flows into the address of a global store. Uses
/// Provenance (the store address's sources, the load's address sources and the paths between them, for the code flow),
/// Uniformity (the load address is the same for the whole CTA) and ControlDependence (the null test of the pointer
/// that selects the indirect path over a by-value position).
/// </summary>
public sealed class PTX003IndirectPositionRead : IRule
{
    public const string DefaultPattern = "(?i)(pos|position|seq_?len|slot|offset|index|idx)";

    public static readonly RuleOption<Regex> PositionBufferPattern = RuleOptions.Regex("positionBufferPattern", DefaultPattern,
        ".NET regular expression; a kept parameter name must match it.");

    public static readonly RuleDescriptor Rule = new()
    {
        Id = "PTX003",
        Name = "indirect-position-read",
        ShortDescription = "Scatter index read from a device buffer (graph-mode position buffer)",
        FullDescription =
            "A single value loaded from global memory at a CTA-uniform address through a pointer parameter (a position_buf / " +
            "seq_len_buf) that becomes the index of a global scatter store. Under CUDA-graph replay the buffer holds whatever " +
            "it held at capture unless something inside the graph rewrites it: a stale position 0 scattered every decode " +
            "token into KV slot 0. Stronger form: the kernel tests the pointer against null and prefers it over a by-value " +
            "position parameter.",
        DefaultLevel = Level.Warning,
        PerFunction = true,
        Analyses = new[] { "cfg", "control dependence", "dominators", "linear forms", "local slots", "loops", "post-dominators", "provenance", "reaching definitions", "register index", "uniformity" },
        HelpText =
            "Pass the position by value (and update the graph node's parameters per replay), or make sure a kernel inside " +
            "the graph writes the buffer before this one reads it; do not let a non-null pointer silently override the by-value position.",
        HelpMarkdown = RuleDocs.Load("PTX003"),
        Precision = "medium",
        Tags = new[] { "correctness", "cuda-graphs" },
        Options = new RuleOption[] { PositionBufferPattern },
    };

    public RuleDescriptor Descriptor => Rule;

    private static readonly Regex NvccParamName = new(@"_param_(\d+)$", RegexOptions.CultureInvariant);

    public void Check(RuleContext ctx)
    {
        var pattern = ctx.Option(PositionBufferPattern);

        foreach (var fn in ctx.Functions)
        {
            if (!fn.IsEntry) continue;
            CheckKernel(ctx, fn, pattern);
        }
    }

    /// <summary>The CUDA name of a parameter when the producer kept it; null for nvcc's <c>kernel_param_N</c>.</summary>
    internal static string? SourceName(PtxFunction fn, Parameter p)
    {
        var prefix = "__cudaparm_" + fn.Name + "_";
        if (p.Name.StartsWith(prefix, StringComparison.Ordinal)) return p.Name[prefix.Length..];
        if (p.Name.StartsWith("__cudaparm", StringComparison.Ordinal)) return null;
        if (NvccParamName.IsMatch(p.Name)) return null;
        return p.Name;
    }

    private sealed record Hit(Instruction Load, ValueSource Pointer, Instruction Store, ValueSource Loaded);

    // a loop, not a lambda in the loop over stores (its closure would be allocated for every instruction)
    private static bool HasStore(List<Hit> hits, Instruction store)
    {
        foreach (var h in hits)
            if (h.Store == store) return true;
        return false;
    }

    private static void CheckKernel(RuleContext ctx, PtxFunction fn, Regex pattern)
    {
        var fa = fn.Analyses;
        if (!ctx.IgnorePrefilter && !MayStoreAtLoadedValue(fa)) return;
        var prov = fa.Provenance;
        var byLoad = new Dictionary<Instruction, List<Hit>>();
        var order = new List<Instruction>();
        Dictionary<(string, long), List<Instruction>>? loadsByAddress = null;
        foreach (var store in fn.InstructionSpan)
        {
            foreach (var m in store.MemoryAccesses)
            {
                if (m.Access is not (AccessKind.Write or AccessKind.ReadWrite)) continue;
                if (!IsGlobal(fa, store, m)) continue;
                // A store to an address the kernel also reads moves data in place (a row swap of a pivoting step, a
                // read-modify-write): it does not scatter fresh values into a slot.
                if (ReadsSameAddress(fn, store, m, ref loadsByAddress)) break;
                foreach (var s in prov.SourcesOfAddress(store, m.Address))
                {
                    if (s.Kind != ValueSourceKind.Load || s.Origin is not { } load) continue;
                    var ptr = PositionPointer(fn, fa, load, s);
                    if (ptr is null) continue;
                    var name = SourceName(fn, ptr.Parameter!);
                    if (name is not null && !pattern.IsMatch(name)) continue; // a named size/stride/scale pointer, not a position
                    if (!byLoad.TryGetValue(load, out var list)) { byLoad[load] = list = new List<Hit>(); order.Add(load); }
                    if (!HasStore(list, store)) list.Add(new Hit(load, ptr, store, s));
                }
                break;
            }
        }
        foreach (var load in order)
            Report(ctx, fn, byLoad[load]);
    }

    /// <summary>
    /// A cheap necessary condition, before provenance and the reaching definitions it needs: a finding needs a global or
    /// generic store whose address provenance holds a load <see cref="PositionPointer"/> can accept (a scalar
    /// <c>ld</c>/<c>ldu</c> of global or generic memory at <c>[register+offset]</c>). Provenance stops at loads and follows
    /// every other instruction's inputs, so the registers computed from such a load, flow-insensitively
    /// (<see cref="RegisterIndex.ForwardClosure"/>), hold every such address; false rules out the kernel. Most kernels
    /// store at addresses computed from parameters and thread indices only.
    /// </summary>
    private static bool MayStoreAtLoadedValue(FunctionAnalyses fa)
    {
        var regs = fa.Registers;
        var fromLoad = regs.ForwardClosure(IsScalarPointerLoad, NotALoad);
        foreach (var insn in fa.Function.InstructionSpan)
            foreach (var m in insn.MemoryAccesses)
                if (m.Access is AccessKind.Write or AccessKind.ReadWrite && m.Space is StateSpace.Global or StateSpace.Generic && regs.Contains(fromLoad, m.Address))
                    return true;
        return false;
    }

    /// <summary>A load <see cref="PositionPointer"/> may accept (what it checks before the load's own provenance).</summary>
    private static bool IsScalarPointerLoad(Instruction insn) =>
        insn.Opcode is "ld" or "ldu" && insn.Info.Mem == MemKind.Load && insn.VectorWidth == 1 && insn.MemoryAccesses is [var a, ..]
        && a.Space is StateSpace.Global or StateSpace.Generic && a.Address.BaseRegister is not null && a.Address.IndexRegister is null;

    /// <summary>What provenance follows through: every instruction but a load (opaque results too, which it does not: a superset).</summary>
    private static bool NotALoad(Instruction insn) => insn.Info.Mem != MemKind.Load;

    /// <summary>True when a load of the function reads the address the store writes (same base value and offset).</summary>
    private static bool ReadsSameAddress(PtxFunction fn, Instruction store, MemoryAccess m, ref Dictionary<(string, long), List<Instruction>>? loadsByAddress)
    {
        if (m.Address.BaseRegister is not { } reg) return false;
        // the function's loads by (base register, offset), built once per kernel: a scan per store is quadratic
        if (loadsByAddress is null)
        {
            loadsByAddress = new Dictionary<(string, long), List<Instruction>>();
            foreach (var insn in fn.InstructionSpan)
            {
                if (insn.Info.Mem != MemKind.Load) continue;
                foreach (var a in insn.MemoryAccesses)
                    if (a.Access == AccessKind.Read && a.Address.BaseRegister is { } r)
                    {
                        var key = (r.Name, a.Address.Offset);
                        if (!loadsByAddress.TryGetValue(key, out var list)) loadsByAddress[key] = list = new List<Instruction>();
                        if (list.Count == 0 || list[^1] != insn) list.Add(insn);
                    }
            }
        }
        if (!loadsByAddress.TryGetValue((reg.Name, m.Address.Offset), out var loads)) return false;
        var defs = fn.Analyses.Defs;
        var at = defs.ReachingIndices(store, reg.Name);
        foreach (var insn in loads)
            if (defs.ReachingIndices(insn, reg.Name).AsSpan().SequenceEqual(at))
                return true;
        return false;
    }

    /// <summary>
    /// Another kernel of the module that looks like the by-value variant of this one: its name equals this one's once
    /// words such as graph, indirect, buf, ptr, device are removed, and it takes an integer parameter at the position
    /// where this kernel takes the buffer pointer.
    /// </summary>
    internal static PtxFunction? FindByValueTwin(PtxFunction fn, Parameter pointer)
    {
        var key = TwinKey(fn.Name);
        foreach (var other in fn.Module.Functions)
        {
            if (other == fn || !other.IsEntry || TwinKey(other.Name) != key) continue;
            if (other.Parameters.Count <= pointer.Index) continue;
            var q = other.Parameters[pointer.Index];
            if (q.IsPointerAttr || q.TypeName is ".f32" or ".f64" || q.ElementCount != 1) continue;
            if (q.ElementSize is 4 || q.ElementSize is 8 && other.Parameters.Count == fn.Parameters.Count) return other;
        }
        return null;
    }

    private static readonly Regex TwinWords = new("(?i)(_?(graph|indirect|buffered|buf|ptr|device|dev|dyn|dynamic)_?)", RegexOptions.CultureInvariant);

    private static string TwinKey(string name) => TwinWords.Replace(PTX002BatchedKernelIgnoresCtaidY.BaseName(name), "").ToLowerInvariant();

    private static bool IsGlobal(FunctionAnalyses fa, Instruction insn, MemoryAccess m)
    {
        if (m.Space == StateSpace.Global) return true;
        if (m.Space != StateSpace.Generic) return false;
        foreach (var s in fa.Provenance.SourcesOfAddress(insn, m.Address))
        {
            if (s.Kind == ValueSourceKind.Parameter) return true;
            if (s.Kind == ValueSourceKind.Symbol && s.Space is StateSpace.Shared or StateSpace.Local) return false;
        }
        return false;
    }

    /// <summary>
    /// When <paramref name="load"/> reads one scalar from global memory at an address that is the same for the whole grid
    /// and comes from a pointer parameter (plus constants): that parameter's source; null otherwise (CSR row offsets,
    /// cu_seqlens[b], expert offsets indexed by %ctaid/%tid are not single reads).
    /// </summary>
    private static ValueSource? PositionPointer(PtxFunction fn, FunctionAnalyses fa, Instruction load, ValueSource loaded)
    {
        if (load.Opcode is not ("ld" or "ldu") || load.VectorWidth != 1 || loaded.Access is not { } acc) return null;
        if (acc.Space is not (StateSpace.Global or StateSpace.Generic)) return null;
        if (acc.Address.BaseRegister is not { } baseReg || acc.Address.IndexRegister is not null) return null;
        ValueSource? pointer = null;
        foreach (var a in loaded.AddressSources)
        {
            switch (a.Kind)
            {
                case ValueSourceKind.Parameter when a.Parameter is { } p && p.ElementSize == 8 && p.ElementCount == 1:
                    if (pointer is not null && pointer.Parameter != p) return null;
                    pointer = a;
                    break;
                case ValueSourceKind.Constant:
                    break;
                default:
                    return null; // indexed (by %ctaid, a loaded index, another parameter ...) or not through a parameter
            }
        }
        // the address is one pointer parameter plus constants; uniformity (asked last: the costlier fact) rules out a
        // pointer that differs per thread through control flow
        if (pointer is null || fa.Uniformity.OfUse(load, baseReg) != Uniformity.Uniform) return null;
        return pointer;
    }

    private static string ParamRef(PtxFunction fn, Parameter p)
    {
        var name = SourceName(fn, p);
        return name is not null
            ? $"pointer parameter `{name}` (#{p.Index})"
            : $"pointer parameter #{p.Index} (`{p.Name}`; the CUDA name is not kept in the PTX)";
    }

    private static void Report(RuleContext ctx, PtxFunction fn, List<Hit> hits)
    {
        var fa = fn.Analyses;
        var first = hits[0];
        var load = first.Load;
        var p = first.Pointer.Parameter!;
        var name = SourceName(fn, p);
        var stores = string.Join(", ", hits.Take(3).Select(h => $"`{RuleText.Code(h.Store)}` (line {h.Store.Span.StartLine})"))
                     + (hits.Count > 3 ? $" and {hits.Count - 3} more" : "");

        var (nullTest, byValue) = FindNullTestOverride(fn, fa, load, first);
        var twin = FindByValueTwin(fn, p);
        string message = $"`{RuleText.Code(load)}` reads a scatter-store index through pointer parameter {(name is not null ? $"`{name}`" : "#" + p.Index)}";
        var notes = new List<string>
        {
            "A single value read at a CTA-uniform address through a pointer parameter and used as a store index is the graph-mode position-buffer " +
            "pattern: under CUDA-graph replay the buffer holds whatever it held at capture unless a kernel inside the graph rewrites it, and a stale " +
            "position (0) scatters every step into the same slot.",
        };
        notes.Add($"The value is read through {ParamRef(fn, p)} and indexes {RuleText.Count(hits.Count, "store", "stores")}: {stores}.");
        string help;
        if (nullTest is not null && byValue is not null)
        {
            var bvName = SourceName(fn, byValue);
            notes.Add($"The kernel takes this indirect read whenever the pointer is non-null (`{RuleText.Code(nullTest)}`, line {nullTest.Span.StartLine}), " +
                      $"overriding the by-value position parameter {(bvName is not null ? $"`{bvName}` (#{byValue.Index})" : $"#{byValue.Index} (`{byValue.Name}`)")}.");
            help = "Use the by-value position (pass null or drop the indirect path), or write the buffer inside the graph before this kernel.";
        }
        else help = "Pass the position by value (updating the graph node's parameters per replay), or write the buffer inside the graph before this kernel reads it.";
        if (twin is not null)
            notes.Add($"Kernel `{twin.Name}` in this module takes the position by value (parameter #{p.Index}): use it under graph capture.");
        var f = ctx.Report(load, message);
        f.Notes.AddRange(notes);
        f.Help = help;
        if (twin is not null) f.Related.Add(new RelatedLocation(twin.LocationOf(twin.NameSpan), $"by-value twin kernel `{twin.Name}`"));
        if (nullTest is not null && byValue is not null)
            f.Related.Add(new RelatedLocation(nullTest.Location, "cause: the null test of the buffer pointer selects the indirect read over the by-value position"));
        foreach (var h in hits)
            f.Related.Add(new RelatedLocation(h.Store.Location, $"scatter store indexed by the loaded value: `{RuleText.Code(h.Store)}`"));

        foreach (var h in hits.Take(3))
        {
            var steps = new List<FlowStep>();
            // The pointer parameter's load and the address arithmetic up to the indirect load.
            bool strong = nullTest is not null && byValue is not null;
            foreach (var insn in h.Pointer.Path)
            {
                string m = insn == h.Pointer.Origin
                    ? $"load of the buffer pointer: {ParamRef(fn, p)}"
                    : insn == load ? $"indirect load at a CTA-uniform address: `{RuleText.Code(insn)}`"
                    : $"pointer arithmetic: `{RuleText.Code(insn)}`";
                steps.Add(new FlowStep(insn.Location, m));
                if (insn == h.Pointer.Origin && strong)
                    steps.Add(new FlowStep(nullTest!.Location, $"null test of the pointer: a non-null buffer takes the indirect path: `{RuleText.Code(nullTest)}`"));
            }
            if (steps.Count == 0 || h.Pointer.Path.Count == 0 || h.Pointer.Path[^1] != load)
                steps.Add(new FlowStep(load.Location, $"indirect load at a CTA-uniform address: `{RuleText.Code(load)}`"));
            // From the loaded value to the store: the index arithmetic.
            foreach (var insn in h.Loaded.Path)
            {
                if (insn == load) continue;
                string m = insn == h.Store
                    ? $"scatter store indexed by the loaded value: `{RuleText.Code(insn)}`"
                    : $"index arithmetic: `{RuleText.Code(insn)}`";
                steps.Add(new FlowStep(insn.Location, m));
            }
            f.CodeFlows.Add(new CodeFlow($"value read through {(name ?? p.Name)} indexes the store at line {h.Store.Span.StartLine}", steps));
        }
        f.Properties["parameterIndex"] = p.Index;
        if (name is not null) f.Properties["parameterName"] = name;
        f.Properties["nullTestOverride"] = nullTest is not null && byValue is not null;
        f.Properties["byValueTwin"] = twin?.Name;
        f.Data = new IndirectPositionData
        {
            Parameter = p.Name, ParameterIndex = p.Index, ParameterName = name,
            PositionParameter = nullTest is not null ? byValue?.Name : null, NullTestOverride = nullTest is not null && byValue is not null,
        };
    }

    /// <summary>
    /// The stronger form: a branch the load is control dependent on tests the raw pointer parameter against 0
    /// (<c>setp.eq/ne.s64/u64/b64 %p, %rd, 0</c>), and a by-value integer parameter reaches the same store address (the
    /// position used when the pointer is null). Returns the branch and that parameter, or nulls.
    /// </summary>
    private static (Instruction? Branch, Parameter? ByValue) FindNullTestOverride(PtxFunction fn, FunctionAnalyses fa, Instruction load, Hit hit)
    {
        var p = hit.Pointer.Parameter!;
        Instruction? branch = null;
        foreach (var br in fa.ControlDependence.TransitiveBranchesControlling(fa.Cfg.BlockOf(load)))
        {
            if (br.Guard is not { } g) continue;
            foreach (var d in fa.Defs.Reaching(br, g.Name))
            {
                if (d.Opcode != "setp" || !(d.Has(".eq") || d.Has(".ne")) || d.Operands.Count < 3) continue;
                if (!(d.Has(".s64") || d.Has(".u64") || d.Has(".b64"))) continue;
                RegisterOperand? reg = null;
                if (d.Operands[1] is RegisterOperand r1 && d.Operands[2] is ImmediateOperand { Value: 0 }) reg = r1;
                else if (d.Operands[2] is RegisterOperand r2 && d.Operands[1] is ImmediateOperand { Value: 0 }) reg = r2;
                if (reg is null) continue;
                var srcs = fa.Provenance.SourcesOf(d, reg);
                if (srcs.Count == 1 && srcs[0].Kind == ValueSourceKind.Parameter && srcs[0].Parameter == p) { branch = br; break; }
            }
            if (branch is not null) break;
        }
        if (branch is null) return (null, null);
        // A by-value integer parameter that is the alternative definition of the register the load writes (the
        // `p = buf ? *buf : pos` merge) on the way to the store address.
        var loadedRegs = new HashSet<string>(load.Defs.Select(r => r.Name), StringComparer.Ordinal);
        foreach (var m in hit.Store.MemoryAccesses)
        {
            foreach (var s in fa.Provenance.SourcesOfAddress(hit.Store, m.Address))
            {
                if (s.Kind != ValueSourceKind.Parameter || s.Parameter is not { } q || q == p) continue;
                if (q.ElementSize is not (4 or 8) || q.TypeName is ".f32" or ".f64") continue;
                bool merges = false;
                foreach (var insn in s.Path)
                    if (insn != hit.Store && insn.Defs.Any(r => loadedRegs.Contains(r.Name))) { merges = true; break; }
                if (!merges) continue;
                return (branch, q);
            }
            break;
        }
        return (branch, null);
    }
}
