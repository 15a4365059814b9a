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

    public static readonly RuleOption<Regex> BatchedKernelPattern = RuleOptions.Regex("batchedKernelPattern", DefaultPattern,
        "A kernel whose (base) name matches this .NET regular expression counts as batched.");

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
        PerFunction = true,
        Analyses = new[] { "cfg", "control dependence", "dominators", "loops", "post-dominators", "provenance", "reaching definitions", "register index", "special registers" },
        HelpText = "Offset the row's pointers by the row index: `row = blockIdx.y; out += row * row_stride; in += row * row_stride;`.",
        HelpMarkdown = RuleDocs.Load("PTX002"),
        Precision = "medium",
        Tags = new[] { "correctness", "batching" },
        Options = new RuleOption[] { BatchedKernelPattern },
    };

    public RuleDescriptor Descriptor => Rule;

    public void Check(RuleContext ctx)
    {
        var pattern = ctx.Option(BatchedKernelPattern);

        foreach (var fn in ctx.Functions)
        {
            if (!fn.IsEntry) continue;
            var specials = fn.Analyses.SpecialRegisters;
            bool readsCtaidY = specials.ReadsFullName("%ctaid.y"), readsNctaidY = specials.ReadsFullName("%nctaid.y"), readsCtaidZ = specials.ReadsFullName("%ctaid.z");
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
            foreach (var insn in _fn.InstructionSpan)
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
                    globalIndex |= FormsGlobalThreadIndex(sources);
                }
                if (rowFromCtaidX && !globalIndex) return;

                var f = _ctx.Report(_fn, _fn.NameSpan,
                    $"Batched kernel never reads `%ctaid.y` (blockIdx.y): every row of blocks writes the same {RuleText.Count(ignoring.Count, "store address", "store addresses")}");
                f.Notes.Add($"The kernel counts as batched because {_why}. Launched with gridDim.y = rows, row 0 is written rows times and the other rows never.");
                f.Help = "Offset the row's pointers by the row index: `out += blockIdx.y * row_stride; in += blockIdx.y * row_stride;`.";
                foreach (var (insn, _) in ignoring)
                    f.Related.Add(new RelatedLocation(insn.Location, $"global store whose address ignores %ctaid.y: `{RuleText.Code(insn)}`"));
                f.Properties["stores"] = ignoring.Count;
                f.Data = new BatchedKernelData { Stores = ignoring.Count };
                return;
            }
            var read = _fn.Instructions.FirstOrDefault(i => i.Uses.Any(u => u.IsSpecial && u.FullName == "%ctaid.y"));
            var first = ignoring[0].Insn;
            var g = _ctx.Report(first,
                $"`{RuleText.Code(first)}` ignores `%ctaid.y`, which this batched kernel reads elsewhere: every row of blocks writes it");
            g.Notes.Add($"The kernel counts as batched because {_why}; the store's address does not depend on the row index, so all rows of blocks write the same location.");
            if (ignoring.Count > 1)
                g.Notes.Add($"And {RuleText.Count(ignoring.Count - 1, "more store", "more stores")} like it (related locations).");
            g.Help = "Add the row selection `%ctaid.y * row_stride` to this store's address.";
            if (read is not null) g.Related.Add(new RelatedLocation(read.Location, "the kernel reads %ctaid.y here"));
            foreach (var (insn, _) in ignoring.Skip(1))
                g.Related.Add(new RelatedLocation(insn.Location, $"another store whose address ignores %ctaid.y: `{RuleText.Code(insn)}`"));
            g.Properties["stores"] = ignoring.Count;
        }

        /// <summary>
        /// True when the address is built from the global thread index: %ctaid.x multiplied by %ntid.x (a column), not
        /// %ctaid.x times a stride or a per-block count (a row or a batch chunk per block).
        /// </summary>
        private bool FormsGlobalThreadIndex(IReadOnlyList<ValueSource> sources)
        {
            var prov = _fa.Provenance;
            foreach (var s in sources)
            {
                if (s.Kind != ValueSourceKind.SpecialRegister || s.Name != "%ctaid.x") continue;
                foreach (var step in s.Path)
                {
                    if (step.Opcode is not ("mul" or "mad") || step.Operands.Count < 3) continue;
                    for (int i = 1; i <= 2; i++)
                        if (step.Operands[i] is RegisterOperand r
                            && (r.IsSpecial ? r.FullName == "%ntid.x" : prov.DependsOn(step, r, v => v.Kind == ValueSourceKind.SpecialRegister && v.Name == "%ntid.x")))
                            return true;
                    break; // the first product decides what %ctaid.x selects
                }
            }
            return false;
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
                if (br.Guard is { } bg && BranchSelects(br, bg)) return true;
            return false;
        }

        private readonly Dictionary<Instruction, bool> _branchSelects = new();

        /// <summary><see cref="Selects"/> of a branch's predicate, once per branch (many stores share the branches above them).</summary>
        private bool BranchSelects(Instruction br, RegisterOperand guard)
        {
            if (_branchSelects.TryGetValue(br, out var known)) return known;
            bool selects = Selects(_fa.Provenance.SourcesOf(br, guard));
            _branchSelects[br] = selects;
            return selects;
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
        /// count (a parameter or a load): `for (row = 0; row &lt; rows; ++row) out[row * cols + c] = ...`. A loop whose
        /// exit test depends on the thread index is a column loop of one row, not a row walk.
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
                    var exitSources = _fa.Provenance.SourcesOf(br, g);
                    // A loop whose counter starts at the thread index (and steps by the block size) splits the columns
                    // of one row among the threads: `for (i = threadIdx.x; i < n; i += blockDim.x)` is no row walk.
                    // A grid-stride loop (stepping by blockDim.x * gridDim.x) covers the whole index range by itself.
                    if (exitSources.Any(x => x.Kind == ValueSourceKind.SpecialRegister && x.Name.StartsWith("%nctaid", StringComparison.Ordinal)))
                        return true;
                    if (exitSources.Any(x => x.Kind == ValueSourceKind.SpecialRegister && x.Name.StartsWith("%tid", StringComparison.Ordinal)))
                        continue;
                    foreach (var s in exitSources)
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
