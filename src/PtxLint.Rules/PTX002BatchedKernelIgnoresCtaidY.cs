using System.Text.RegularExpressions;
using PtxLint.Analysis;
using PtxLint.Diagnostics;
using PtxLint.Engine;
using PtxLint.Ir;
using PtxLint.Semantics;

namespace PtxLint.Rules;

/// <summary>
/// PTX002: a batched kernel (its name matches <c>batchedKernelPattern</c>, or it reads <c>%nctaid.y</c>) whose global
/// stores do not depend on <c>%ctaid.y</c>: launched with gridDim.y = rows, every row of blocks writes row 0. Uses
/// Provenance (the sources of each store address, through loaded pointers and indices), ControlDependence (a store
/// selected by a branch on <c>%ctaid.y</c>) and LoopInfo (a kernel that loops over the rows itself).
/// </summary>
public sealed class PTX002BatchedKernelIgnoresCtaidY : IRule
{
    public const string DefaultPattern = "(?i)batch";

    public static readonly RuleDescriptor Rule = new()
    {
        Id = "PTX002",
        Name = "batched-kernel-ignores-ctaid-y",
        ShortDescription = "Batched kernel whose stores ignore %ctaid.y",
        FullDescription =
            "A batched kernel (name matches batchedKernelPattern, default (?i)batch, or it reads %nctaid.y) whose global stores " +
            "never depend on %ctaid.y (blockIdx.y), or that never reads %ctaid.y at all: launched with gridDim.y = rows, every " +
            "row of blocks computes and writes row 0, and rows 1.. are never written.",
        DefaultLevel = Level.Warning,
        HelpText = "Offset the row's pointers by the row index: `row = blockIdx.y; out += row * row_stride; in += row * row_stride;`.",
        HelpMarkdown = RuleDocs.Load("PTX002"),
        Precision = "medium",
        Tags = new[] { "correctness", "batching" },
    };

    public RuleDescriptor Descriptor => Rule;

    public void Check(RuleContext ctx)
    {
        Regex pattern;
        try { pattern = new Regex(ctx.Option("batchedKernelPattern", DefaultPattern), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)); }
        catch (ArgumentException) { pattern = new Regex(DefaultPattern, RegexOptions.CultureInvariant); }

        foreach (var fn in ctx.Module.Functions)
        {
            if (!fn.IsEntry || !fn.HasBody) continue;
            bool readsCtaidY = false, readsNctaidY = false, readsCtaidZ = false;
            foreach (var insn in fn.Instructions)
                foreach (var u in insn.Uses)
                {
                    if (!u.IsSpecial) continue;
                    switch (u.FullName)
                    {
                        case "%ctaid.y": readsCtaidY = true; break;
                        case "%nctaid.y": readsNctaidY = true; break;
                        case "%ctaid.z": readsCtaidZ = true; break;
                    }
                }
            string? nameMatch = NameMatch(fn.Name, pattern);
            if (nameMatch is null && !readsNctaidY) continue;
            string why = nameMatch is not null ? $"its name matches batchedKernelPattern (`{nameMatch}`)" : "it reads `%nctaid.y` (gridDim.y)";
            new Checker(ctx, fn, why, readsCtaidY, readsCtaidZ, readsNctaidY && nameMatch is null).Run();
        }
    }

    /// <summary>
    /// The part of the kernel's name the pattern is matched against: the identifiers of an Itanium-mangled name
    /// (<c>_ZN6cu_ctc27topk_per_batch_kernelILi128EEEv...</c> gives <c>cu_ctc::topk_per_batch_kernel</c>), without template
    /// arguments and parameter types, which often name batch-related types of other kernels; the plain name otherwise.
    /// Returns the matched text, or null.
    /// </summary>
    internal static string? NameMatch(string name, Regex pattern)
    {
        var text = BaseName(name);
        var m = pattern.Match(text);
        return m.Success ? m.Value : null;
    }

    internal static string BaseName(string name)
    {
        if (!name.StartsWith("_Z", StringComparison.Ordinal)) return name;
        int i = 2;
        bool nested = i < name.Length && name[i] == 'N';
        if (nested) i++;
        // skip CV-qualifiers of a nested member name
        while (nested && i < name.Length && name[i] is 'r' or 'V' or 'K') i++;
        var parts = new List<string>();
        while (i < name.Length)
        {
            if (name[i] == 'S' && i + 1 < name.Length)
            {
                // a substitution (St = std::, S_, S0_ ...): skip it
                if (name[i + 1] == 't') { i += 2; continue; }
                int us = name.IndexOf('_', i);
                if (us < 0) break;
                i = us + 1;
                continue;
            }
            if (!char.IsAsciiDigit(name[i])) break;
            int start = i;
            while (i < name.Length && char.IsAsciiDigit(name[i])) i++;
            if (!int.TryParse(name.AsSpan(start, i - start), out int len) || len <= 0 || i + len > name.Length) break;
            parts.Add(name.Substring(i, len));
            i += len;
            if (!nested) break;
            if (i < name.Length && name[i] is 'I' or 'E') break;
        }
        return parts.Count > 0 ? string.Join("::", parts) : name;
    }

    private sealed class Checker
    {
        private readonly RuleContext _ctx;
        private readonly PtxFunction _fn;
        private readonly FunctionAnalyses _fa;
        private readonly string _why;
        private readonly bool _readsCtaidY;
        private readonly bool _readsCtaidZ;
        private readonly bool _onlyNctaid;

        public Checker(RuleContext ctx, PtxFunction fn, string why, bool readsCtaidY, bool readsCtaidZ, bool onlyNctaid)
        {
            _ctx = ctx;
            _fn = fn;
            _fa = fn.Analyses;
            _why = why;
            _readsCtaidY = readsCtaidY;
            _readsCtaidZ = readsCtaidZ;
            _onlyNctaid = onlyNctaid;
        }

        public void Run()
        {
            var stores = new List<(Instruction Insn, MemoryAccess Access)>();
            foreach (var insn in _fn.Instructions)
                foreach (var m in insn.MemoryAccesses)
                    if (m.Access is AccessKind.Write or AccessKind.ReadWrite && IsGlobalStore(insn, m)) { stores.Add((insn, m)); break; }
            if (stores.Count == 0) return;

            var ignoring = new List<(Instruction Insn, MemoryAccess Access)>();
            foreach (var (insn, m) in stores)
            {
                var sources = _fa.Provenance.SourcesOfAddress(insn, m.Address);
                if (DependsOn(sources, "%ctaid.y", 0)) continue;
                if (IsSelectedByCtaidY(insn)) continue;
                // An atomic that ignores %ctaid.y accumulates across the rows of blocks on purpose (split-K counters,
                // semaphores, global sums); reported only with the kernel-level finding.
                if (_readsCtaidY && insn.Info.Mem == MemKind.Atomic) continue;
                if (IsRowLoop(insn, m, sources)) continue;
                if (!_readsCtaidY && (DependsOn(sources, "%ctaid.z", 0) || _readsCtaidZ && !_onlyNctaid)) continue;
                if (!_readsCtaidY && DecomposesFlatIndex(sources)) continue;
                if (IsGridWideScalar(insn, m, sources)) continue;
                ignoring.Add((insn, m));
            }
            if (ignoring.Count == 0) return;

            if (!_readsCtaidY)
            {
                // One block per row by design: the stores pick their row with %ctaid.x and never form the global thread
                // index %ctaid.x * %ntid.x + %tid.x (that index is a column, as in the bug).
                bool rowFromCtaidX = false, globalIndex = false;
                foreach (var (insn, m) in ignoring)
                {
                    var sources = _fa.Provenance.SourcesOfAddress(insn, m.Address);
                    rowFromCtaidX |= DependsOn(sources, "%ctaid.x", 0);
                    globalIndex |= DependsOn(sources, "%ntid.x", 0);
                }
                if (rowFromCtaidX && !globalIndex) return;

                var list = string.Join(", ", ignoring.Take(4).Select(s => $"`{PTX005BarrierInDivergentControl.Text(s.Insn)}` (line {s.Insn.Span.StartLine})"))
                           + (ignoring.Count > 4 ? $" and {ignoring.Count - 4} more" : "");
                var f = _ctx.Report(_fn, _fn.NameSpan,
                    $"Kernel `{_fn.Name}` is batched ({_why}) but never reads `%ctaid.y` (blockIdx.y): launched with gridDim.y = rows, every row " +
                    $"of blocks writes the same addresses ({list}), so row 0 is written rows times and the other rows never. " +
                    "The row selection is missing: offset the row's pointers by `%ctaid.y * row_stride` (e.g. `out += blockIdx.y * cols;`).");
                foreach (var (insn, _) in ignoring)
                    f.Related.Add(new RelatedLocation(insn.Location, $"global store whose address ignores %ctaid.y: `{PTX005BarrierInDivergentControl.Text(insn)}`"));
                f.Properties["stores"] = ignoring.Count;
                f.Data = new BatchedKernelData { Stores = ignoring.Count };
                return;
            }
            foreach (var (insn, m) in ignoring)
            {
                var f = _ctx.Report(insn,
                    $"Global store `{PTX005BarrierInDivergentControl.Text(insn)}` in batched kernel `{_fn.Name}` ({_why}) has an address that does not depend on " +
                    "`%ctaid.y` (blockIdx.y), although the kernel reads it elsewhere: every row of blocks writes the same location. " +
                    "Add the row selection `%ctaid.y * row_stride` to this store's address.");
                var read = _fn.Instructions.FirstOrDefault(i => i.Uses.Any(u => u.IsSpecial && u.FullName == "%ctaid.y"));
                if (read is not null) f.Related.Add(new RelatedLocation(read.Location, "the kernel reads %ctaid.y here"));
            }
        }

        private bool IsGlobalStore(Instruction insn, MemoryAccess m)
        {
            if (m.Space == StateSpace.Global) return true;
            if (m.Space != StateSpace.Generic) return false;
            // a generic store through a pointer parameter
            foreach (var s in _fa.Provenance.SourcesOfAddress(insn, m.Address))
            {
                if (s.Kind == ValueSourceKind.Parameter) return true;
                if (s.Kind == ValueSourceKind.Symbol && s.Space is StateSpace.Shared or StateSpace.Local) return false;
            }
            return false;
        }

        /// <summary>True when a source is the special register, or a load whose address (recursively) depends on it.</summary>
        private bool DependsOn(IReadOnlyList<ValueSource> sources, string special, int depth)
        {
            foreach (var s in sources)
            {
                if (s.Kind == ValueSourceKind.SpecialRegister && s.Name == special) return true;
                if (s.Kind == ValueSourceKind.Load && depth < 4 && DependsOn(s.AddressSources, special, depth + 1)) return true;
            }
            return false;
        }

        /// <summary>
        /// A store under a branch (or guard) on %ctaid.y: the row is selected by control flow (e.g. only row 0 writes a
        /// shared result); or on the result of an atomic: the last block to arrive writes the reduced result (split-K).
        /// </summary>
        private bool IsSelectedByCtaidY(Instruction store)
        {
            var prov = _fa.Provenance;
            if (store.Guard is { } g && Selects(prov.SourcesOf(store, g))) return true;
            foreach (var br in _fa.ControlDependence.TransitiveBranchesControlling(_fa.Cfg.BlockOf(store)))
                if (br.Guard is { } bg && Selects(prov.SourcesOf(br, bg))) return true;
            return false;
        }

        private bool Selects(IReadOnlyList<ValueSource> sources)
        {
            if (DependsOn(sources, "%ctaid.y", 0)) return true;
            foreach (var s in sources)
                if (s.Kind == ValueSourceKind.Opaque && s.Origin is { } o && o.Info.Mem == MemKind.Atomic) return true;
                else if (s.Kind == ValueSourceKind.Load && s.Space == StateSpace.Shared && s.Origin is { } l
                         && _fa.Provenance.WritersOf(s).Any(w => w.Info.Mem == MemKind.Atomic || w.Uses.Any(u => !u.IsSpecial && _fa.Provenance.SourcesOf(w, u).Any(x => x.Kind == ValueSourceKind.Opaque && x.Origin?.Info.Mem == MemKind.Atomic))))
                    return true;
            return false;
        }

        /// <summary>
        /// The kernel walks the rows itself: the store is in a loop and its address changes with the loop (a source is
        /// defined inside the loop from a value carried around it), and the loop's exit test compares with a run-time
        /// count (a parameter or a load): `for (row = 0; row &lt; rows; ++row) out[row * cols + c] = ...`.
        /// </summary>
        private bool IsRowLoop(Instruction store, MemoryAccess m, IReadOnlyList<ValueSource> sources)
        {
            var block = _fa.Cfg.BlockOf(store);
            for (var l = _fa.Loops.LoopOf(block); l is not null; l = l.Parent)
            {
                bool addressVaries = false;
                foreach (var s in sources)
                {
                    foreach (var p in s.Path)
                        if (p != store && l.Contains(_fa.Cfg.BlockOf(p))) { addressVaries = true; break; }
                    if (addressVaries) break;
                }
                if (!addressVaries) continue;
                foreach (var br in l.ExitBranches)
                {
                    if (br.Guard is not { } g) continue;
                    foreach (var s in _fa.Provenance.SourcesOf(br, g))
                        if (s.Kind is ValueSourceKind.Parameter or ValueSourceKind.Load) return true;
                }
            }
            return false;
        }

        /// <summary>
        /// A 1-D kernel that takes the row from a flat index: the address divides a thread-dependent index by a run-time
        /// value (`row = idx / cols`), typical of flattened batched element-wise kernels.
        /// </summary>
        private bool DecomposesFlatIndex(IReadOnlyList<ValueSource> sources)
        {
            foreach (var s in sources)
                foreach (var p in s.Path)
                    if (p.Opcode is "div" or "rem" && p.Operands.Count == 3 && p.Operands[2] is RegisterOperand)
                        return true;
            return false;
        }

        /// <summary>A store to a grid-wide scalar (a counter, a flag, a semaphore): its address is the same for every thread of every block.</summary>
        private bool IsGridWideScalar(Instruction store, MemoryAccess m, IReadOnlyList<ValueSource> sources)
        {
            foreach (var s in sources)
                if (s.Kind is ValueSourceKind.SpecialRegister or ValueSourceKind.Load or ValueSourceKind.Opaque or ValueSourceKind.Undefined) return false;
            return true;
        }
    }
}
