using PtxLint.Analysis;
using PtxLint.Diagnostics;
using PtxLint.Ir;

namespace PtxLint.Semantics;

/// <summary>What is wrong with an instruction, the way ptxas's front end sees it.</summary>
public enum IsaProblemKind
{
    UnknownOpcode,
    UnknownModifier,
    IllegalModifier,
    StateSpace,
    InstructionTypes,
    MissingModifier,
    OperandCount,
    OperandKind,
    OperandType,
    VectorSize,
    Undeclared,
    ReadOnlyDestination,
    AddressSpace,
    Version,
    Target,
    Deprecated,
    Call,
}

/// <summary>One problem of an instruction: a headline, what ptxas says, why, and how to fix it.</summary>
public sealed class IsaProblem
{
    public required IsaProblemKind Kind { get; init; }
    /// <summary>The headline (one sentence, at most about 120 characters).</summary>
    public required string Message { get; init; }
    /// <summary>ptxas's wording of the same error (ptxas 13.0), for the notes.</summary>
    public string? Ptxas { get; init; }
    public List<string> Notes { get; } = new();
    public string? Help { get; set; }
    /// <summary>Where exactly (an operand), when narrower than the instruction.</summary>
    public SourceSpan Span { get; init; }
    public override string ToString() => Message;
}

/// <summary>The module facts an instruction is checked against: <c>.version</c>, <c>.target</c>, <c>.address_size</c>.</summary>
public sealed record IsaContext(Version? Ptx, string? Target, int AddressSize, bool ExplicitAddressSize = true)
{
    public static IsaContext Of(PtxModule m)
    {
        var target = m.Targets.FirstOrDefault(t => t.StartsWith("sm_", StringComparison.Ordinal) || t.StartsWith("compute_", StringComparison.Ordinal));
        return new IsaContext(m.PtxVersion, target is null ? null : IsaTable.Canonical(target), m.AddressSize, m.HasAddressSizeDirective);
    }

    /// <summary>True when the target is known (so target requirements can be judged).</summary>
    public bool KnowsTarget { get; } = Target is not null && IsaTable.TargetVersions.ContainsKey(Target);
}

/// <summary>
/// Checks one instruction against the ISA table (<see cref="IsaTable"/>): the opcode, its modifiers, the operand
/// count, kinds and register types (with the ISA's type-compatibility and relaxed ld/st/cvt rules), vector sizes,
/// state spaces, and the minimum PTX ISA version and target of the form and of each modifier. It reports the first
/// problem, the way ptxas stops at the first error of a statement.
/// </summary>
public static class IsaValidator
{
    /// <summary>
    /// <see cref="Validate(Instruction, IsaContext, SymbolTable)"/>, skipping an instruction whose shape
    /// <paramref name="shapes"/> (the function's) has already seen valid; records the shapes it finds valid.
    /// </summary>
    public static IsaProblem? Validate(Instruction insn, IsaContext ctx, SymbolTable symbols, IsaShapeCache shapes)
    {
        if (shapes.KnownValid(insn, symbols)) return null;
        var p = Validate(insn, ctx, symbols);
        if (p is null) shapes.AddValid(insn);
        return p;
    }

    public static IsaProblem? Validate(Instruction insn, IsaContext ctx, SymbolTable symbols)
    {
        var mods = insn.Modifiers;
        // 1. the forms whose modifiers fit (the same for every instruction with this opcode text: cached on it)
        var form0 = insn.Form;
        if (form0.IsaMatch is not Matched matched)
        {
            var forms = IsaTable.FormsOf(insn.Opcode);
            if (forms.Count == 0) return UnknownOpcode(insn);
            form0.IsaMatch = matched = Match(insn.Opcode, mods, forms);
        }
        if (matched.UnknownModifier is { } unknown) return UnknownModifier(insn, unknown);
        var fits = matched.Fits;
        if (fits.Length == 0) return ModifierProblem(insn, matched.Best!);

        // every register an operand names must be declared (whatever the form, also unchecked ones)
        if (UndeclaredRegister(insn, symbols) is { } undeclared) return undeclared;

        // 2. their operands, and 3. .version and .target: the first form (in table order) whose operands and
        // requirements both fit decides; otherwise the first operand problem, or, when some form's operands fit, the
        // first requirement problem of those forms
        IsaProblem? operandProblem = null, requirementProblem = null;
        bool operandsFit = false;
        foreach (var (form, bind, req) in fits)
        {
            if (CheckFormOperands(insn, form, bind, ctx, symbols) is { } p)
            {
                operandProblem ??= p;
                continue;
            }
            operandsFit = true;
            if (CheckRequirement(insn, form, req, ctx) is { } r) requirementProblem ??= r;
            else return CheckRules(insn, form, bind.Map, ctx);
        }
        return operandsFit ? requirementProblem : operandProblem;
    }

    /// <summary>
    /// What a valid instruction needs: the requirement of the first form that accepts its modifiers and operands (the
    /// form's own and its modifiers'); null when no form accepts it. Tools use it to find a module's minimum .version/.target.
    /// </summary>
    public static IsaRequirement? RequirementOf(Instruction insn, IsaContext ctx, SymbolTable symbols)
    {
        IsaRequirement? best = null;
        foreach (var f in IsaTable.FormsOf(insn.Opcode))
        {
            var r = MatchModifiers(f, insn.Modifiers);
            if (r.Fail is not null || UndeclaredRegister(insn, symbols) is not null || CheckFormOperands(insn, f, new Bound(f, r.Bind!), ctx, symbols) is not null) continue;
            // the least demanding accepting form
            if (best is null || (r.Req!.Ptx ?? new Version(1, 0)) < (best.Ptx ?? new Version(1, 0))) best = r.Req;
        }
        return best;
    }

    // ------------------------------------------------------------------ modifiers

    private readonly record struct Fit(IsaForm Form, Bound Bind, IsaRequirement Req);

    /// <summary>
    /// A form's modifier groups bound to an instruction's modifiers (<c>.type</c> → <c>.u32</c>), with what the operand
    /// checks derive from them worked out once: each operand's type, and the vector width.
    /// </summary>
    private sealed class Bound
    {
        public readonly Dictionary<string, string> Map;
        /// <summary>Per operand of the form: its type expression evaluated (null: any), and its second type (dual results).</summary>
        public readonly string?[] Types, SecondTypes;
        /// <summary>The width a .num (.x4) or a .vN modifier gives; 0 or 1 when none.</summary>
        public readonly int VectorWidth;

        public Bound(IsaForm form, Dictionary<string, string> map)
        {
            Map = map;
            var specs = form.Operands;
            Types = new string?[specs.Count];
            SecondTypes = new string?[specs.Count];
            for (int i = 0; i < specs.Count; i++)
            {
                Types[i] = ResolveType(specs[i].Type, map);
                SecondTypes[i] = ResolveType(specs[i].SecondType, map);
            }
            VectorWidth = map.TryGetValue(".num", out var num) && num.StartsWith(".x", StringComparison.Ordinal) && int.TryParse(num.AsSpan(2), out var xn)
                ? xn : map.Values.Select(VectorWidthOf).FirstOrDefault(w => w > 1);
        }
    }

    /// <summary>The forms an opcode with its modifiers fits (their bindings are shared: read only), or why none does.</summary>
    private sealed class Matched
    {
        public required Fit[] Fits;
        public ModMismatch? Best;
        public string? UnknownModifier;
    }

    /// <summary>An opcode and its modifiers, compared by value (no string is built to look one up).</summary>
    private readonly struct ModKey : IEquatable<ModKey>
    {
        public readonly string Opcode;
        public readonly string[] Mods;
        public ModKey(string opcode, string[] mods) { Opcode = opcode; Mods = mods; }
        public bool Equals(ModKey o)
        {
            if (!string.Equals(Opcode, o.Opcode, StringComparison.Ordinal) || Mods.Length != o.Mods.Length) return false;
            for (int i = 0; i < Mods.Length; i++)
                if (!string.Equals(Mods[i], o.Mods[i], StringComparison.Ordinal)) return false;
            return true;
        }
        public override bool Equals(object? obj) => obj is ModKey k && Equals(k);
        public override int GetHashCode()
        {
            var h = new HashCode();
            h.Add(Opcode, StringComparer.Ordinal);
            foreach (var m in Mods) h.Add(m, StringComparer.Ordinal);
            return h.ToHashCode();
        }
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<ModKey, Matched> MatchCache = new();
    private const int MatchCacheLimit = 50_000;

    private static Matched Match(string opcode, string[] mods, IReadOnlyList<IsaForm> forms)
    {
        var key = new ModKey(opcode, mods);
        if (MatchCache.TryGetValue(key, out var hit)) return hit;
        Matched result;
        string? unknown = null;
        foreach (var m in mods)
            if (!IsaTable.IsKnownModifier(opcode, m)) { unknown = m; break; }
        if (unknown is not null) result = new Matched { Fits = Array.Empty<Fit>(), UnknownModifier = unknown };
        else
        {
            var fits = new List<Fit>(2);
            ModMismatch? best = null;
            foreach (var f in forms)
            {
                var r = MatchModifiers(f, mods);
                if (r.Fail is null) fits.Add(new Fit(f, new Bound(f, r.Bind!), r.Req!));
                else if (best is null || r.Fail.Score > best.Score) best = r.Fail;
            }
            result = new Matched { Fits = fits.ToArray(), Best = best };
        }
        // the key keeps the instruction's modifier array: copy it so the cache holds no IR
        if (MatchCache.Count < MatchCacheLimit) MatchCache.TryAdd(new ModKey(opcode, (string[])mods.Clone()), result);
        return result;
    }

    private sealed class ModMismatch
    {
        public required string What;   // "illegal", "missing", "type", "compound", "required", "duplicate"
        public string? Modifier;
        public string? Detail;
        public IsaForm? Form;
        /// <summary>How far the form got: the form that matched most modifiers explains the error best.</summary>
        public int Score;
    }

    private static (ModMismatch? Fail, Dictionary<string, string>? Bind, IsaRequirement? Req) MatchModifiers(IsaForm form, string[] mods)
    {
        int i = 0;
        foreach (var c in form.Compound)
        {
            if (i >= mods.Length || mods[i] != c)
                return (new ModMismatch { What = "compound", Modifier = i < mods.Length ? mods[i] : null, Detail = c, Form = form, Score = -10 + i }, null, null);
            i++;
        }
        var slots = form.Slots;
        var used = new bool[slots.Count];
        var bind = new Dictionary<string, string>(StringComparer.Ordinal);
        var req = form.Requirement;
        int matched = 0;
        for (; i < mods.Length; i++)
        {
            var m = mods[i];
            int hit = -1;
            bool seenUsed = false;
            for (int s = 0; s < slots.Count; s++)
            {
                if (!slots[s].Values.ContainsKey(m)) continue;
                if (used[s]) { seenUsed = true; continue; }
                hit = s;
                break;
            }
            if (hit < 0)
            {
                bool isType = Types.IsType(m);
                return (new ModMismatch
                {
                    What = seenUsed ? "duplicate" : isType ? "type" : "illegal",
                    Modifier = m,
                    Form = form,
                    Score = matched * 2 + (isType ? 1 : 0),
                }, null, null);
            }
            used[hit] = true;
            matched++;
            bind[slots[hit].Name] = m;
            if (slots[hit].Values[m] is { } vr) req = req.And(vr);
            // a value of several words (.async.shared::cta) takes the following modifiers with it
            foreach (var words in slots[hit].MultiWord)
            {
                if (words[0] != m || i + words.Length > mods.Length) continue;
                bool all = true;
                for (int w = 1; w < words.Length; w++) all &= mods[i + w] == words[w];
                if (!all) continue;
                i += words.Length - 1;
                bind[slots[hit].Name] = string.Concat(words);
                break;
            }
        }
        for (int s = 0; s < slots.Count; s++)
        {
            if (used[s] || slots[s].Optional) continue;
            var rule = form.RequiredAny.FirstOrDefault(r => r.Slots.Contains(slots[s].Name));
            if (rule.Slots is not null && Enumerable.Range(0, slots.Count).Any(x => used[x] && rule.Slots.Contains(slots[x].Name))) continue;
            return (new ModMismatch
            {
                What = slots[s].IsType ? "type" : rule.Slots is not null ? "required" : "missing",
                Modifier = slots[s].Name,
                Detail = rule.Message,
                Form = form,
                Score = matched * 2,
            }, null, null);
        }
        return (null, bind, req);
    }

    private static IsaProblem ModifierProblem(Instruction insn, ModMismatch m)
    {
        var name = m.Form?.Name ?? insn.Opcode;
        switch (m.What)
        {
            case "compound":
                return new IsaProblem
                {
                    Kind = IsaProblemKind.UnknownOpcode,
                    Message = $"`{insn.FullOpcode}` is not a form of any PTX instruction",
                    Ptxas = $"Not a name of any known instruction: '{insn.Opcode}{(insn.Modifiers.Length > 0 ? insn.Modifiers[0] : "")}'",
                    Help = Suggest(insn.Opcode + (insn.Modifiers.Length > 0 ? Base(insn.Modifiers[0]) : ""), IsaTable.InstructionNames) is { } s ? $"did you mean `{s}`?" : null,
                };
            case "type":
                return new IsaProblem
                {
                    Kind = IsaProblemKind.InstructionTypes,
                    Message = m.Modifier is { } tmod && Types.IsType(tmod)
                        ? $"`{insn.FullOpcode}`: `{name}` does not take the type {tmod} here"
                        : $"`{insn.FullOpcode}` needs a type ({TypeList(insn.Opcode)})",
                    Ptxas = $"Unexpected instruction types specified for '{PtxasName(insn)}'",
                    Help = $"use one of the types `{name}` takes: {TypeList(insn.Opcode)}",
                };
            case "required":
                return new IsaProblem
                {
                    Kind = IsaProblemKind.MissingModifier,
                    Message = $"`{insn.FullOpcode}` needs {RequiredWhat(m)}",
                    Ptxas = (m.Detail ?? "").Replace("$", PtxasName(insn)),
                    Help = $"add {RequiredWhat(m)}, e.g. `{Example(m)}`",
                };
            case "missing":
                return new IsaProblem
                {
                    Kind = IsaProblemKind.MissingModifier,
                    Message = $"`{insn.FullOpcode}` lacks a {m.Modifier} modifier ({Values(m.Form!, m.Modifier!)})",
                    Ptxas = $"{Capital(m.Modifier!.TrimStart('.'))} modifier required for instruction '{PtxasName(insn)}'",
                    Help = $"the ISA form is `{m.Form!.Syntax}`",
                };
            case "duplicate":
                return new IsaProblem
                {
                    Kind = IsaProblemKind.IllegalModifier,
                    Message = $"`{insn.FullOpcode}` repeats the modifier {m.Modifier}",
                    Ptxas = $"Illegal modifier '{m.Modifier}' for instruction '{PtxasName(insn)}'",
                    Help = "write each modifier once",
                };
            default:
            {
                var mod = m.Modifier!;
                // another form takes the space: a modifier of the best form rules it out (ld.volatile.const)
                if (StateSpaces.Parse(mod) != StateSpace.None && IsaTable.ModifiersOf(insn.Opcode).Contains(mod) && m.Form is { } bf
                    && bf.Slots.FirstOrDefault(sl => !sl.Optional && sl.Values.Count == 1 && insn.Has(sl.Values.Keys.First())
                        && StateSpaces.Parse(sl.Values.Keys.First()) == StateSpace.None) is { } lit)
                {
                    var word = lit.Values.Keys.First();
                    var spaces = string.Join(" ", bf.Slots.SelectMany(sl => sl.Values.Keys).Where(v => StateSpaces.Parse(v) != StateSpace.None).Distinct());
                    return new IsaProblem
                    {
                        Kind = IsaProblemKind.StateSpace,
                        Message = $"`{insn.FullOpcode}`: {word} cannot be used with the {mod} state space",
                        Ptxas = $"Modifier '{word}' cannot be applied to '{mod}' space",
                        Help = $"drop {word}, or use a state space `{name}{word}` takes: {spaces}",
                    };
                }
                if (StateSpaces.Parse(mod) != StateSpace.None)
                    return new IsaProblem
                    {
                        Kind = IsaProblemKind.StateSpace,
                        Message = $"`{insn.FullOpcode}`: `{name}` cannot access the {mod} state space",
                        Ptxas = $"State space incorrect for instruction '{PtxasName(insn)}'",
                        Help = $"`{name}` takes {SpaceList(insn.Opcode)}",
                    };
                var suggestion = Suggest(mod, IsaTable.ModifiersOf(insn.Opcode));
                return new IsaProblem
                {
                    Kind = IsaProblemKind.IllegalModifier,
                    Message = $"`{insn.FullOpcode}`: `{name}` does not take the modifier {mod}",
                    Ptxas = $"Illegal modifier '{mod}' for instruction '{PtxasName(insn)}'",
                    Help = suggestion is not null ? $"did you mean `{suggestion}`?" : $"see the ISA forms of `{name}`: `{m.Form!.Syntax}`",
                };
            }
        }
    }

    private static string RequiredWhat(ModMismatch m)
    {
        var form = m.Form!;
        var rule = form.RequiredAny.First(r => r.Slots.Contains(m.Modifier));
        var choices = rule.Slots.SelectMany(n => form.Slots.Where(s => s.Name == n).SelectMany(s => s.Values.Keys)).Distinct().ToList();
        return choices.Count <= 6 ? "one of " + string.Join(" ", choices) : string.Join(" or ", rule.Slots);
    }

    private static string Example(ModMismatch m)
    {
        var form = m.Form!;
        var rule = form.RequiredAny.First(r => r.Slots.Contains(m.Modifier));
        var first = form.Slots.First(s => rule.Slots.Contains(s.Name)).Values.Keys.First();
        return form.Syntax.Split(' ')[0].Split('{')[0].Split('.')[0] + first;
    }

    private static string Values(IsaForm form, string slot)
    {
        var vals = form.Slots.First(s => s.Name == slot).Values.Keys.ToList();
        return vals.Count <= 6 ? string.Join(" ", vals) : string.Join(" ", vals.Take(6)) + " ...";
    }

    private static string TypeList(string opcode)
    {
        var types = IsaTable.FormsOf(opcode).SelectMany(f => f.Slots).Where(s => s.IsType).SelectMany(s => s.Values.Keys).Distinct().ToList();
        return types.Count == 0 ? "none" : string.Join(" ", types.Take(12)) + (types.Count > 12 ? " ..." : "");
    }

    private static string SpaceList(string opcode) =>
        string.Join(" ", IsaTable.ModifiersOf(opcode).Where(m => StateSpaces.Parse(m) != StateSpace.None).Distinct());

    private static string Capital(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];

    /// <summary>ptxas names an instruction by its opcode and compound words: 'mul.wide' for mul.wide.s64, 'add' for add.s32.</summary>
    private static string PtxasName(Instruction insn) =>
        insn.Opcode is "mul" or "mad" && insn.Has(".wide") ? insn.Opcode + ".wide" : insn.Info.Known ? insn.Mnemonic : insn.Opcode;

    private static IsaProblem UnknownOpcode(Instruction insn)
    {
        var s = Suggest(insn.Opcode, IsaTable.Opcodes);
        var p = new IsaProblem
        {
            Kind = IsaProblemKind.UnknownOpcode,
            Message = $"`{insn.Opcode}` is not a PTX instruction",
            Ptxas = $"Not a name of any known instruction: '{insn.Opcode}'",
            Help = s is not null ? $"did you mean `{s}`?" : "see the instruction list of the PTX ISA (chapter 9.7)",
        };
        return p;
    }

    private static IsaProblem UnknownModifier(Instruction insn, string m)
    {
        var s = Suggest(m, IsaTable.ModifiersOf(insn.Opcode)) ?? (Types.IsType(m) ? null : Suggest(m, Types.All));
        return new IsaProblem
        {
            Kind = IsaProblemKind.UnknownModifier,
            Message = $"`{insn.FullOpcode}`: {m} is not a PTX modifier",
            Ptxas = $"Unknown modifier '{m}'",
            Help = s is not null ? $"did you mean `{s}`?" : $"remove it, or see the forms of `{insn.Opcode}` in the PTX ISA",
        };
    }

    // ------------------------------------------------------------------ requirements

    private static IsaProblem? CheckRequirement(Instruction insn, IsaForm form, IsaRequirement req, IsaContext ctx)
    {
        var name = form.Name;
        if (req.Ptx is { } need && ctx.Ptx is { } have && have < need && have <= IsaTable.NewestVersion)
        {
            return new IsaProblem
            {
                Kind = IsaProblemKind.Version,
                Message = $"`{insn.FullOpcode}` needs PTX ISA {need}; the module is `.version {have}`",
                Ptxas = $"Feature '{name}' requires PTX ISA .version {need} or later",
                Help = $"raise `.version` to {need} or later (and check that the driver's JIT supports it), or use an older form",
            };
        }
        if (ctx.KnowsTarget && !IsaTable.TargetMeets(req, ctx.Target))
        {
            var needs = req.Targets is not null ? string.Join(", ", req.Targets.Select(t => "sm_" + t)) : $"sm_{req.MinSm} or later";
            return new IsaProblem
            {
                Kind = IsaProblemKind.Target,
                Message = req.Targets is not null
                    ? $"`{insn.FullOpcode}` is not supported on `.target {ctx.Target}`"
                    : $"`{insn.FullOpcode}` needs `.target sm_{req.MinSm}` or later; the module is `.target {ctx.Target}`",
                Ptxas = req.Targets is not null
                    ? $"Instruction '{name}' not supported on .target '{ctx.Target}'"
                    : $"Feature '{name}' requires .target sm_{req.MinSm} or higher",
                Help = $"compile for {needs} (it needs {needs}), or guard the code by target",
            };
        }
        return null;
    }

    private static readonly HashSet<string> EqualityOnly = new(StringComparer.Ordinal) { ".eq", ".ne" };

    /// <summary>Rules that hold across forms: the deprecated non-.sync warp instructions; the width of ld/st vectors; comparisons of bits.</summary>
    private static IsaProblem? CheckRules(Instruction insn, IsaForm form, Dictionary<string, string> bind, IsaContext ctx)
    {
        if (bind.TryGetValue(".CmpOp", out var cmp) && (bind.GetValueOrDefault(".type") ?? bind.GetValueOrDefault(".stype")) is { } ct
            && Types.Kind(ct) == 'b' && !EqualityOnly.Contains(cmp))
            return new IsaProblem
            {
                Kind = IsaProblemKind.InstructionTypes,
                Message = $"`{insn.FullOpcode}` orders {ct} values; bit types compare with .eq and .ne only",
                Ptxas = "Mismatch between instruction type and comparison qualifier",
                Help = $"compare as signed (.s{Types.BitWidth(ct)}) or unsigned (.u{Types.BitWidth(ct)}) values: `{insn.Opcode}{cmp}.u{Types.BitWidth(ct)}`",
            };
        if (form.Memory is "load" or "store" && bind.TryGetValue(".vec", out var vec) && bind.TryGetValue(".type", out var type))
        {
            int n = VectorWidthOf(vec), bits = Types.BitWidth(type), total = n * bits;
            bool wide = (n == 8 && bits == 32) || (n == 4 && bits == 64);
            if (total > 256 || (total == 256 && !wide) || (n == 8 && bits != 32))
                return new IsaProblem
                {
                    Kind = IsaProblemKind.VectorSize,
                    Message = $"`{insn.FullOpcode}` moves {n} × {bits} bits; a vector access is at most 128 bits, or 256 as .v8 of 32-bit or .v4 of 64-bit elements",
                    Ptxas = $"Illegal vector size: {n}",
                    Help = n == 8 ? "use .v4 (or .v8 with a 32-bit type on sm_100+)" : "use a narrower vector or type",
                };
            if (total == 256)
            {
                var req = new IsaRequirement(new Version(8, 8), 100, null);
                if (CheckRequirement(insn, form, req, ctx) is { } p)
                    return new IsaProblem
                    {
                        Kind = p.Kind,
                        Message = $"`{insn.FullOpcode}` is a 256-bit access, which needs PTX ISA 8.8 and sm_100 or later",
                        Ptxas = p.Kind == IsaProblemKind.Version ? "Feature '256 bit wide load/store' requires PTX ISA .version 8.8 or later"
                            : "Feature '256 bit wide load/store' requires .target sm_100 or higher",
                        Help = "split it into two 128-bit accesses, or raise .version to 8.8 and .target to sm_100",
                    };
            }
        }
        if (form.NoSyncDeprecated && ctx.Ptx is { } v && v >= new Version(6, 4) && ctx.Target is { } t && IsaTable.SmNumber(t) >= 70)
        {
            return new IsaProblem
            {
                Kind = IsaProblemKind.Deprecated,
                Message = $"`{insn.FullOpcode}` without .sync is not supported on `.target {t}` from PTX ISA 6.4",
                Ptxas = $"Instruction '{insn.Opcode}' without '.sync' is not supported on .target sm_70 and higher from PTX ISA version 6.4",
                Help = insn.Opcode == "vote"
                    ? $"use `vote.sync{string.Concat(insn.Modifiers)} d, p, membermask` (e.g. 0xffffffff for the full warp)"
                    : $"use `shfl.sync{string.Concat(insn.Modifiers)} d, a, b, c, membermask`",
            };
        }
        return null;
    }

    // ------------------------------------------------------------------ operands

    /// <summary>The operands against one form (the registers they name are already known to be declared).</summary>
    private static IsaProblem? CheckFormOperands(Instruction insn, IsaForm form, Bound bind, IsaContext ctx, SymbolTable symbols)
    {
        var ops = insn.Operands;
        if ((form.Flags & IsaFormFlags.Call) != 0) return CheckCall(insn, symbols);
        if ((form.Flags & IsaFormFlags.Texture) != 0 && ops.Count >= 2 && ops[1] is AddressOperand { BaseSymbol: { } tref }
            && symbols.Variable(tref) is null && symbols.Parameter(tref) is null)
            return new IsaProblem
            {
                Kind = IsaProblemKind.Undeclared,
                Message = $"`{insn.FullOpcode}` reads the texture {tref}, which is not declared",
                Ptxas = $"Arguments mismatch for instruction '{insn.Opcode}'",
                Help = $"declare it (`.global .texref {tref};`) or fix the name",
            };
        if ((form.Flags & IsaFormFlags.Texture) != 0
            && (ops.Count < 2 || ops[0] is not (VectorOperand or RegisterOperand or DualPredicateOperand) || ops[1] is not AddressOperand { Extra.Count: > 0 }))
            return new IsaProblem
            {
                Kind = IsaProblemKind.OperandKind,
                Message = $"`{insn.FullOpcode}` takes a result vector, then [texture, coordinates]",
                Ptxas = $"Arguments mismatch for instruction '{insn.Opcode}'",
                Help = $"the ISA form is `{form.Syntax}`",
            };
        if ((form.Flags & (IsaFormFlags.Unchecked | IsaFormFlags.Counted)) == IsaFormFlags.Unchecked) return null;
        var specs = form.Operands;
        int rest = form.RestOperands, required = form.RequiredOperands, optional = form.OptionalOperands;
        if (ops.Count < required || (rest == 0 && ops.Count > required + optional))
            return new IsaProblem
            {
                Kind = IsaProblemKind.OperandCount,
                Message = $"`{insn.FullOpcode}` has {ops.Count} operand{(ops.Count == 1 ? "" : "s")}; `{form.Name}` takes {CountText(required, optional, rest > 0)}",
                Ptxas = $"Arguments mismatch for instruction '{PtxasName(insn)}'",
                Help = $"the ISA form is `{form.Syntax}`",
            };
        if ((form.Flags & IsaFormFlags.Unchecked) != 0) return null;
        int extra = ops.Count - required;
        // the optional cache-policy operand comes with the .L2::cache_hint modifier only
        if (form.HasCachePolicyOperand && extra > 0 && !insn.Has(".L2::cache_hint") && ops.Count == specs.Count - rest)
            return new IsaProblem
            {
                Kind = IsaProblemKind.OperandCount,
                Message = $"`{insn.FullOpcode}` has a cache-policy operand but no .L2::cache_hint modifier",
                Ptxas = $".L2::cache_hint modifier required for instruction '{PtxasName(insn)}' with {ops.Count} arguments",
                Help = $"add .L2::cache_hint (`{insn.Opcode}{string.Concat(insn.Modifiers.Take(1))}.L2::cache_hint...`) or drop the last operand",
            };
        if ((form.Flags & IsaFormFlags.Cvt) != 0 && CvtRounding(insn, bind.Map) is { } rounding) return rounding;
        int k = 0;
        for (int j = 0; j < specs.Count && k < ops.Count; j++)
        {
            var spec = specs[j];
            if (spec.Kind == IsaOperandKind.Rest) break;
            if (spec.Optional)
            {
                if (extra <= 0) continue;
                extra--;
            }
            var p = CheckOperand(insn, form, spec, bind.Types[j], bind.SecondTypes[j], bind.VectorWidth, ops[k], k, ctx, symbols);
            if (p is not null) return p;
            k++;
        }
        return null;
    }

    /// <summary>
    /// cvt's rounding rules (PTX ISA "cvt", as ptxas 13 applies them): a float-to-float narrowing and an integer-to-float
    /// conversion need a floating-point rounding (.rn .rz .rm .rp), a float-to-integer conversion an integer rounding
    /// (.rni .rzi .rmi .rpi); a widening or an integer-to-integer conversion takes none.
    /// </summary>
    private static IsaProblem? CvtRounding(Instruction insn, Dictionary<string, string> bind)
    {
        if (!bind.TryGetValue(".dtype", out var d) || !bind.TryGetValue(".atype", out var a)) return null;
        bool df = Types.Kind(d) == 'f', af = Types.Kind(a) == 'f';
        string? frnd = bind.GetValueOrDefault(".frnd"), irnd = bind.GetValueOrDefault(".irnd");
        string? rnd = frnd ?? irnd;
        int db = Types.BitWidth(d), ab = Types.BitWidth(a);
        string? need = null;   // "f" or "i"
        bool allowNone = true, allowF = false, allowI = false;
        if (df && af)
        {
            if (db < ab || (db == ab && d != a)) { need = "f"; allowNone = false; allowF = true; }
            else if (db == ab) { allowI = true; allowF = true; }
        }
        else if (df) { need = "f"; allowNone = false; allowF = true; }
        else if (af) { need = "i"; allowNone = false; allowI = true; }
        if (rnd is null && !allowNone)
            return new IsaProblem
            {
                Kind = IsaProblemKind.MissingModifier,
                Message = $"`{insn.FullOpcode}` converts {a} to {d} and needs a rounding modifier",
                Ptxas = "Rounding modifier required for instruction 'cvt'",
                Help = need == "f" ? $"add .rn (round to nearest even): `cvt.rn{d}{a}`" : $"add .rzi (truncate, as C does) or .rni: `cvt.rzi{d}{a}`",
            };
        if ((frnd is not null && !allowF) || (irnd is not null && !allowI))
            return new IsaProblem
            {
                Kind = IsaProblemKind.IllegalModifier,
                Message = $"`{insn.FullOpcode}` converts {a} to {d}, which takes {(need == "f" ? "a floating-point rounding" : need == "i" ? "an integer rounding" : "no rounding")}, not {rnd}",
                Ptxas = "Illegal rounding modifier for instruction 'cvt'",
                Help = need is null ? $"remove {rnd}" : $"use {(need == "f" ? ".rn .rz .rm or .rp" : ".rni .rzi .rmi or .rpi")}",
            };
        return null;
    }

    private static string CountText(int required, int optional, bool rest) =>
        rest ? $"at least {required}" : optional == 0 ? $"{required}" : $"{required} to {required + optional}";

    [ThreadStatic] private static List<RegisterOperand>? RegisterBuffer;

    private static IsaProblem? UndeclaredRegister(Instruction insn, SymbolTable symbols)
    {
        // the common operands are walked without an iterator (this runs for every instruction)
        if (insn.Guard is { } g && Undeclared(insn, g, symbols) is { } pg) return pg;
        var operands = insn.Operands;
        for (int k = 0; k < operands.Count; k++)
        {
            var o = operands[k];
            switch (o)
            {
                case RegisterOperand r:
                    if (Undeclared(insn, r, symbols) is { } pr) return pr;
                    break;
                case ImmediateOperand or FloatImmediateOperand or SymbolOperand or SinkOperand or StringOperand:
                    break;
                case AddressOperand { Extra.Count: 0 } a:
                    if (a.BaseRegister is { } b && Undeclared(insn, b, symbols) is { } pb) return pb;
                    if (a.IndexRegister is { } x && Undeclared(insn, x, symbols) is { } px) return px;
                    break;
                default:
                    var regs = RegisterBuffer ??= new List<RegisterOperand>(8);
                    regs.Clear();
                    o.CollectRegisters(regs);
                    foreach (var r in regs)
                        if (Undeclared(insn, r, symbols) is { } p) return p;
                    break;
            }
        }
        return null;
    }

    private static IsaProblem? Undeclared(Instruction insn, RegisterOperand r, SymbolTable symbols)
    {
        if (r.IsSpecial) return null;
        if (symbols.Register(r.Name, insn.Index) is not null) return null;
        if (symbols.Variable(r.Name) is not null) return null; // a variable named like a register (.local .u32 %L1)
        if (symbols.Parameter(r.Name) is { Space: StateSpace.Reg }) return null;
        var any = symbols.AnyRegister(r.Name);
        var p = new IsaProblem
        {
            Kind = IsaProblemKind.Undeclared,
            Message = any is not null
                ? $"register {r.Name} is used outside the {{ }} block that declares it"
                : $"register {r.Name} is not declared in {insn.Function.Name}",
            Ptxas = $"Arguments mismatch for instruction '{PtxasName(insn)}'",
        };
        var range = RangeHint(insn.Function, r.Name);
        if (range is not null) p.Notes.Add(range);
        p.Help = any is not null ? $"move the use into the block at line {any.Scope?.Span.StartLine}, or declare {r.Name} where it is used"
            : Suggest(r.Name, insn.Function.RegisterDecls.Where(d => d.Count is null).Select(d => d.Prefix)) is { } s ? $"did you mean `{s}`?"
            : $"declare it (`.reg .b32 {r.Name};`) or fix the name";
        return p;
    }

    private static string? RangeHint(PtxFunction fn, string name)
    {
        int end = RegisterNames.NumberStart(name);
        if (end < 0) return null;
        var prefix = name[..end];
        var decl = fn.RegisterDecls.FirstOrDefault(d => d.Count is not null && d.Prefix == prefix);
        return decl is null ? null : $"`.reg {decl.TypeName} {prefix}<{decl.Count}>` declares {prefix}0 to {prefix}{decl.Count - 1}";
    }

    private static IsaProblem? CheckOperand(Instruction insn, IsaForm form, IsaOperand spec, string? type, string? secondType, int vectorWidth,
        Operand op, int index, IsaContext ctx, SymbolTable symbols)
    {
        bool relaxed = (form.Flags & IsaFormFlags.Relaxed) != 0 && (spec.IsVectorData || (form.Flags & IsaFormFlags.Cvt) != 0 || spec.Name is "d" or "b");
        switch (spec.Kind)
        {
            case IsaOperandKind.Address:
                return CheckAddress(insn, form, op, index, ctx, symbols);
            case IsaOperandKind.Label:
                if (op is SymbolOperand) return null;
                return Mismatch(insn, op, index, IsaProblemKind.OperandKind, $"operand {index + 1} of `{insn.FullOpcode}` must be a label, not {Describe(op)}",
                    $"Label expected for argument {index} of instruction '{PtxasName(insn)}'");
            case IsaOperandKind.Dual:
                if (op is DualPredicateOperand dp)
                    return CheckRegister(insn, dp.First, type, false, true, index) ?? CheckRegister(insn, dp.Second, secondType, false, true, index);
                if (spec.SecondOptional) return CheckValue(insn, form, op, type, false, true, index, symbols);
                if (!spec.SecondOptional && op is not SinkOperand)
                    return Mismatch(insn, op, index, IsaProblemKind.OperandKind, $"`{insn.FullOpcode}` writes two results (`{spec.Name}|{spec.Second}`), not {Describe(op)}",
                        $"Arguments mismatch for instruction '{PtxasName(insn)}'");
                break;
            case IsaOperandKind.Vector:
                if (op is not VectorOperand v || v.Elements.Count != spec.VectorLength)
                    return Mismatch(insn, op, index, IsaProblemKind.VectorSize,
                        $"operand {index + 1} of `{insn.FullOpcode}` must be a vector of {spec.VectorLength} registers, not {Describe(op)}",
                        $"Argument vector size mismatch for instruction '{PtxasName(insn)}'");
                for (int k = 0; k < v.Elements.Count; k++) // by index: a foreach boxes the list's enumerator
                    if (CheckValue(insn, form, v.Elements[k], type, false, spec.IsDestination, index, symbols) is { } pe) return pe;
                return null;
        }
        if (op is VectorOperand { Elements.Count: 1 } one) op = one.Elements[0]; // `{ %rs1 }` is %rs1 (Triton writes it)
        if (spec.IsVectorData)
        {
            int width = vectorWidth;
            if (width > 1)
            {
                // a vector register (.reg .v4 .u16 v) stands for the whole vector; one component (v.x) is a scalar (mutant m3-02137)
                if (op is RegisterOperand { IsSpecial: false, Component: null } vr && symbols.Register(vr.Name, insn.Index) is { } vd
                    && vd.Bits == width * Types.BitWidth(vd.TypeName) && vd.Bits > 0)
                    return type is null || Types.Compatible(type, vd.TypeName, relaxed) ? null
                        : CheckRegister(insn, vr, type, relaxed, spec.IsDestination, index);
                if (op is not VectorOperand vec)
                    return Mismatch(insn, op, index, IsaProblemKind.VectorSize,
                        $"`{insn.FullOpcode}` moves a vector of {width}; operand {index + 1} is {Describe(op)}, not {{ }} of {width} registers",
                        spec.IsDestination ? "Result vector expected" : $"Argument vector size mismatch for instruction '{PtxasName(insn)}'");
                if (vec.Elements.Count != width)
                    return Mismatch(insn, op, index, IsaProblemKind.VectorSize,
                        $"`{insn.FullOpcode}` moves {width} elements but operand {index + 1} lists {vec.Elements.Count}",
                        $"Argument vector size mismatch for instruction '{PtxasName(insn)}'");
                for (int k = 0; k < vec.Elements.Count; k++)
                    if (CheckValue(insn, form, vec.Elements[k], type, relaxed, spec.IsDestination, index, symbols) is { } pe) return pe;
                return null;
            }
            if (op is VectorOperand)
                return Mismatch(insn, op, index, IsaProblemKind.VectorSize,
                    $"`{insn.FullOpcode}` moves one value but operand {index + 1} is a vector; add .v{((VectorOperand)op).Elements.Count} or use one register",
                    $"Argument vector size mismatch for instruction '{PtxasName(insn)}'");
        }
        if ((form.Flags & IsaFormFlags.Mov) != 0) return CheckMov(insn, op, index, type, spec.IsDestination, symbols);
        if ((form.Flags & IsaFormFlags.Cvta) != 0 && !spec.IsDestination && op is SymbolOperand s)
            return symbols.IsDeclared(s.Name) ? null : UndeclaredSymbol(insn, s, index);
        return CheckValue(insn, form, op, type, relaxed, spec.IsDestination, index, symbols, spec.Negatable);
    }

    private static int VectorWidthOf(string modifier) =>
        modifier.Length >= 3 && modifier[1] == 'v' && int.TryParse(modifier.AsSpan(2), out var n) ? n : 0;

    /// <summary>Evaluates a type expression: <c>.u32</c>, <c>.type</c>, <c>.type*2</c>, <c>any</c>, <c>int</c>.</summary>
    private static string? ResolveType(string expr, Dictionary<string, string> bind)
    {
        if (expr is "any" or "label") return null;
        if (expr == "int") return "int";
        bool wide = expr.EndsWith("*2", StringComparison.Ordinal);
        var name = wide ? expr[..^2] : expr;
        string? t = bind.TryGetValue(name, out var v) ? v : Types.IsType(name) ? name : null;
        if (t is null) return null;
        return wide ? Types.Widen(t) : t;
    }

    private static IsaProblem? CheckValue(Instruction insn, IsaForm form, Operand op, string? type, bool relaxed, bool dest, int index,
        SymbolTable symbols, bool negatable = false)
    {
        switch (op)
        {
            case RegisterOperand r:
                if (r.Negated && !negatable && !dest && type != ".pred")
                    return Mismatch(insn, op, index, IsaProblemKind.OperandKind, $"operand {index + 1} of `{insn.FullOpcode}` cannot be negated (`!{r.Name}`)",
                        $"Arguments mismatch for instruction '{PtxasName(insn)}'");
                return CheckRegister(insn, r, type, relaxed, dest, index);
            case SinkOperand:
                return null;
            case ImmediateOperand:
            case FloatImmediateOperand:
                if (dest)
                    return Mismatch(insn, op, index, IsaProblemKind.OperandKind, $"`{insn.FullOpcode}` writes its result to {Describe(op)}; the destination must be a register",
                        $"Result register required for instruction '{PtxasName(insn)}'");
                return CheckImmediate(insn, op, type, index);
            case ExpressionOperand e:
                if (dest)
                    return Mismatch(insn, op, index, IsaProblemKind.OperandKind, $"`{insn.FullOpcode}` writes its result to `{e.Text}`; the destination must be a register",
                        $"Result register required for instruction '{PtxasName(insn)}'");
                if (e.Problem is { } problem)
                    return Mismatch(insn, op, index, IsaProblemKind.OperandKind, $"operand {index + 1} of `{insn.FullOpcode}`: {problem}",
                        problem.StartsWith("division", StringComparison.Ordinal) ? "Constant expression has division by zero" : null);
                return null;
            case SymbolOperand { Name: "WARP_SZ" } when !dest:
                return null; // the ISA's predefined constant (32)
            case SymbolOperand s:
                if (dest)
                    return Mismatch(insn, op, index, IsaProblemKind.OperandKind, $"`{insn.FullOpcode}` writes its result to the symbol {s.Name}; the destination must be a register",
                        $"Argument {index} of instruction '{PtxasName(insn)}': must be register");
                if (!symbols.IsDeclared(s.Name)) return UndeclaredSymbol(insn, s, index);
                return null;
            case AddressOperand:
                return Mismatch(insn, op, index, IsaProblemKind.OperandKind, $"operand {index + 1} of `{insn.FullOpcode}` is a memory address; `{PtxasName(insn)}` takes a {(dest ? "register" : "register or constant")} there",
                    $"Arguments mismatch for instruction '{PtxasName(insn)}'");
            case VectorOperand v:
                return Mismatch(insn, op, index, IsaProblemKind.VectorSize, $"operand {index + 1} of `{insn.FullOpcode}` is a vector of {v.Elements.Count}; `{PtxasName(insn)}` takes one value there",
                    $"Argument vector size mismatch for instruction '{PtxasName(insn)}'");
            case DualPredicateOperand:
            case ParenListOperand:
            case StringOperand:
                return Mismatch(insn, op, index, IsaProblemKind.OperandKind, $"operand {index + 1} of `{insn.FullOpcode}` cannot be {Describe(op)}",
                    $"Arguments mismatch for instruction '{PtxasName(insn)}'");
        }
        return null;
    }

    /// <summary>The function's <c>.reg</c> parameter of this name (a loop: a lambda capturing the name would be allocated on every register checked).</summary>
    private static Parameter? RegisterParameter(PtxFunction fn, string name)
    {
        foreach (var p in fn.Parameters)
            if (p.Name == name && p.Space == StateSpace.Reg) return p;
        return null;
    }

    private static IsaProblem? CheckRegister(Instruction insn, RegisterOperand r, string? type, bool relaxed, bool dest, int index)
    {
        if (r.IsSpecial)
        {
            if (dest)
                return Mismatch(insn, r, index, IsaProblemKind.ReadOnlyDestination, $"`{insn.FullOpcode}` writes to the special register {r.FullName}, which is read-only",
                    "Read-only special register cannot be destination argument");
            return CheckSpecial(insn, r, type, index, mov: false);
        }
        if (type is null) return null;
        var decl = insn.Function.Analyses.Symbols.Register(r.Name, insn.Index);
        string? regType = decl?.TypeName;
        if (decl is null && RegisterParameter(insn.Function, r.Name) is { } rp) regType = rp.TypeName;
        if (regType is null || regType.Length == 0) return null;
        // a vector register (.reg .v2 .b32 v): its components (v.x) are elements; the whole register is not checked here
        if (decl is not null && decl.Bits != Types.BitWidth(regType) && r.Component is null) return null;
        if (Types.Compatible(type, regType, relaxed)) return null;
        return new IsaProblem
        {
            Kind = IsaProblemKind.OperandType,
            Message = $"`{insn.FullOpcode}` operand {index + 1}: {r.Name} is a {regType} register, not {TypeWanted(type, relaxed)}",
            Ptxas = $"Arguments mismatch for instruction '{PtxasName(insn)}'",
            Help = $"use a register of type {type}{(Types.Kind(type) == 'f' ? "" : $" or {Types.Width(type)}-bit .b/.u/.s")} here, or change the instruction's type",
        };
    }

    private static string TypeWanted(string type, bool relaxed) => type == "int" ? "an integer" : relaxed ? $"{type} (or wider)" : type;

    private static readonly HashSet<string> VectorSpecials = new(StringComparer.Ordinal)
    {
        "%tid", "%ntid", "%ctaid", "%nctaid", "%cluster_ctaid", "%cluster_nctaid", "%clusterid", "%nclusterid",
    };

    private static IsaProblem? CheckSpecial(Instruction insn, RegisterOperand r, string? type, int index, bool mov)
    {
        if (VectorSpecials.Contains(r.Name) && r.Component is null)
            return Mismatch(insn, r, index, IsaProblemKind.VectorSize, $"{r.Name} is a vector special register; name a component ({r.Name}.x, .y or .z)",
                $"Argument vector size mismatch for instruction '{PtxasName(insn)}'");
        if (type is null || type == "int") return null;
        int bits = SpecialRegisters.Bits(r.Name);
        char k = Types.Kind(type);
        if (k == 'f' || k == 'p')
            return Mismatch(insn, r, index, IsaProblemKind.OperandType, $"`{insn.FullOpcode}` reads the special register {r.FullName} as {type}; it is a .u{bits} integer",
                "Special register argument not allowed for instruction '" + PtxasName(insn) + "'");
        int tb = Types.Width(type);
        if (tb == bits || (mov && bits == 32 && tb == 16) || insn.Opcode == "cvt" && tb <= bits) return null;
        return Mismatch(insn, r, index, IsaProblemKind.OperandType, $"`{insn.FullOpcode}` reads the {bits}-bit special register {r.FullName} as {type}",
            $"Arguments mismatch for instruction '{PtxasName(insn)}'");
    }

    private static IsaProblem? CheckImmediate(Instruction insn, Operand op, string? type, int index)
    {
        if (type is null || type == "int") return null;
        char k = Types.Kind(type);
        // no constant for a 16-bit floating-point operand (measured with ptxas 13: add.f16, cvt.f32.f16)
        if (type is ".f16" or ".bf16" or ".f16x2" or ".bf16x2")
            return Mismatch(insn, op, index, IsaProblemKind.OperandType, $"`{insn.FullOpcode}` operand {index + 1} is the constant {op}; a {type} operand takes a register only",
                $"Arguments mismatch for instruction '{PtxasName(insn)}'", $"put the value in a register first (`mov.b16 %rs1, 0x3C00;` is 1.0 as .f16)");
        // a decimal floating-point constant is not a bit pattern (mov.b32 %r1, 1.0 fails; 0f3F800000 is fine)
        if (op is FloatImmediateOperand { Text: var ft } && k == 'b' && !(ft.Length > 2 && ft[0] == '0' && (ft[1] | 0x20) is 'f' or 'd'))
            return Mismatch(insn, op, index, IsaProblemKind.OperandType, $"`{insn.FullOpcode}` operand {index + 1} is the decimal constant {op}; a {type} operand takes an integer or a 0f/0d bit pattern",
                $"Arguments mismatch for instruction '{PtxasName(insn)}'", "write the bits: 1.0 as .b32 is 0f3F800000");
        if (op is FloatImmediateOperand fi && (k == 'p' || (k == 'b' && fi.Text.Length > 2 && (fi.Text[1] | 0x20) is 'f' or 'd'
                && Types.BitWidth(type) != ((fi.Text[1] | 0x20) == 'f' ? 32 : 64) && fi.Text[0] == '0')))
            return Mismatch(insn, op, index, IsaProblemKind.OperandType,
                $"`{insn.FullOpcode}` operand {index + 1} is the {((fi.Text[1] | 0x20) == 'd' ? "64" : "32")}-bit floating-point constant {op}; a {type} operand cannot take it",
                $"Arguments mismatch for instruction '{PtxasName(insn)}'");
        if (op is ImmediateOperand && k == 'f' && type is ".f32" or ".f64")
            return Mismatch(insn, op, index, IsaProblemKind.OperandType,
                $"`{insn.FullOpcode}` operand {index + 1} is the integer {op}; a {type} operand needs a floating-point constant",
                $"Arguments mismatch for instruction '{PtxasName(insn)}'", $"write it as a float: `{(type == ".f32" ? "0f" + BitConverter.SingleToInt32Bits(((ImmediateOperand)op).Value).ToString("X8") : "0d" + BitConverter.DoubleToInt64Bits(((ImmediateOperand)op).Value).ToString("X16"))}` or `{((ImmediateOperand)op).Value}.0`");
        if (op is FloatImmediateOperand && k is 'u' or 's')
            return Mismatch(insn, op, index, IsaProblemKind.OperandType,
                $"`{insn.FullOpcode}` operand {index + 1} is the floating-point constant {op}; a {type} operand needs an integer",
                $"Arguments mismatch for instruction '{PtxasName(insn)}'");
        return null;
    }

    private static IsaProblem? CheckMov(Instruction insn, Operand op, int index, string? type, bool dest, SymbolTable symbols)
    {
        switch (op)
        {
            case RegisterOperand { IsSpecial: true } sr when !dest:
                return CheckSpecial(insn, sr, type, index, mov: true);
            case VectorOperand v when type is not null:
            {
                // mov.b64 %rd1, {%r1, %r2}: pack (or unpack) elements that together are the type's width
                int tb = Types.Width(type);
                int n = v.Elements.Count;
                if (Types.Kind(type) != 'b' || n < 2 || n > 4 || n == 3 || tb % n != 0)
                    return Mismatch(insn, op, index, IsaProblemKind.VectorSize, $"`{insn.FullOpcode}` cannot {(dest ? "unpack into" : "pack")} a vector of {n} here",
                        n == 3 ? "Illegal vector size: 3" : $"Argument vector size mismatch for instruction 'mov'");
                string elem = ".b" + (tb / n);
                for (int k = 0; k < v.Elements.Count; k++)
                    if (CheckValue(insn, null!, v.Elements[k], elem, false, dest, index, symbols) is { } p) return p;
                return null;
            }
            case SymbolOperand s when !dest:
                return s.Name == "WARP_SZ" || symbols.IsDeclared(s.Name) ? null : UndeclaredSymbol(insn, s, index);
        }
        return CheckValue(insn, null!, op, type, false, dest, index, symbols);
    }

    private static IsaProblem? CheckAddress(Instruction insn, IsaForm form, Operand op, int index, IsaContext ctx, SymbolTable symbols)
    {
        if (op is not AddressOperand a)
            return Mismatch(insn, op, index, IsaProblemKind.OperandKind, $"operand {index + 1} of `{insn.FullOpcode}` must be an address [ ], not {Describe(op)}",
                $"Arguments mismatch for instruction '{PtxasName(insn)}'");
        var space = insn.Space;
        if (a.BaseRegister is { IsSpecial: false } reg)
        {
            var decl = symbols.Register(reg.Name, insn.Index);
            var t = decl?.TypeName ?? insn.Function.Parameters.FirstOrDefault(p => p.Name == reg.Name && p.Space == StateSpace.Reg)?.TypeName;
            if (t is not null && t.Length > 0 && (Types.Kind(t) is 'f' or 'p' || Types.Width(t) is not (32 or 64)))
                return Mismatch(insn, op, index, IsaProblemKind.OperandType, $"the address of `{insn.FullOpcode}` is the {t} register {reg.Name}; addresses are 32- or 64-bit integers",
                    $"Illegal operand type to instruction '{PtxasName(insn)}'");
            if (t is not null && Types.Width(t) == 32 && ctx.AddressSize == 64 && ctx.ExplicitAddressSize && form.Memory is not null && space is StateSpace.Global or StateSpace.None
                && insn.Opcode is "ld" or "st" or "atom" or "red" or "ldu")
                return Mismatch(insn, op, index, IsaProblemKind.OperandType,
                    $"`{insn.FullOpcode}` addresses {(space == StateSpace.None ? "generic" : "global")} memory through the 32-bit register {reg.Name} in a 64-bit module",
                    "32-Bit ABI (--machine 32 or 32-Bit addressing) is not supported on sm_90 or higher architectures.",
                    $"use a 64-bit address register (`.reg .b64`); a 32-bit address is for .shared/.local only");
        }
        if (a.BaseSymbol is { } sym)
        {
            var v = symbols.Variable(sym);
            var p = symbols.Parameter(sym);
            if (v is null && p is null && symbols.Function(sym) is null)
                return new IsaProblem
                {
                    Kind = IsaProblemKind.Undeclared,
                    Message = $"`{insn.FullOpcode}` addresses {sym}, which is not declared",
                    Ptxas = $"Illegal operand type to instruction '{PtxasName(insn)}'",
                    Help = Suggest(sym, insn.Function.LocalSymbols.Keys.Concat(insn.Function.Module.Globals.Keys).Concat(insn.Function.Parameters.Select(x => x.Name))) is { } s
                        ? $"did you mean `{s}`?" : $"declare {sym} (e.g. `.shared .align 4 .b8 {sym}[...]`) or fix the name",
                };
            var symSpace = v?.Space ?? (p is { Space: StateSpace.Param } ? StateSpace.Param : StateSpace.None);
            if (form.Memory is not null && space != StateSpace.None && symSpace != StateSpace.None && !SameSpace(space, symSpace))
                return Mismatch(insn, op, index, IsaProblemKind.AddressSpace,
                    $"`{insn.FullOpcode}` accesses {SpaceName(space)} but {sym} is {(v is null ? "a parameter" : "declared")} in {SpaceName(symSpace)}",
                    $"State space mismatch between instruction and address in instruction '{PtxasName(insn)}'",
                    $"use `{insn.Opcode}{SpaceName(symSpace)}` for {sym}, or the address of a {SpaceName(space)} variable");
            if (form.Memory is not null && space == StateSpace.None && (p is { Space: StateSpace.Param } || v is { Space: StateSpace.Param or StateSpace.Const }))
                return Mismatch(insn, op, index, IsaProblemKind.AddressSpace,
                    $"`{insn.FullOpcode}` accesses {sym} without {SpaceName(symSpace)}; generic addressing does not name {SpaceName(symSpace)} symbols",
                    $"State space mismatch between instruction and address in instruction '{PtxasName(insn)}'",
                    $"write `{insn.Opcode}{SpaceName(symSpace)}{string.Concat(insn.Modifiers)}`, or take the generic address with cvta first");
            if (form.Memory == "store" && space == StateSpace.Param && p is not null && insn.Function.Parameters.Contains(p))
                return Mismatch(insn, op, index, IsaProblemKind.AddressSpace, $"`{insn.FullOpcode}` writes to {sym}, an input parameter of {insn.Function.Name}",
                    $"Illegal to write to function input parameter '{sym}'", "copy the parameter into a register or a local variable and change that");
        }
        if (a.BaseRegister is null && a.BaseSymbol is null && a.Extra.Count == 0 && form.Memory is "load" or "store" or "atomic" && space != StateSpace.Local)
            return Mismatch(insn, op, index, IsaProblemKind.OperandKind, $"`{insn.FullOpcode}` uses the immediate address [{a.Offset}]; only .local accesses take one",
                "Immediate addresses allowed only for .local state space");
        return null;
    }

    private static bool SameSpace(StateSpace a, StateSpace b) => a == b || (a.IsShared() && b.IsShared());

    private static string SpaceName(StateSpace s) => s switch
    {
        StateSpace.Global => ".global",
        StateSpace.Shared => ".shared",
        StateSpace.SharedCluster => ".shared::cluster",
        StateSpace.Local => ".local",
        StateSpace.Const => ".const",
        StateSpace.Param => ".param",
        StateSpace.Tex => ".tex",
        _ => s.ToString().ToLowerInvariant(),
    };

    private static IsaProblem UndeclaredSymbol(Instruction insn, SymbolOperand s, int index) => new()
    {
        Kind = IsaProblemKind.Undeclared,
        Message = $"operand {index + 1} of `{insn.FullOpcode}` names {s.Name}, which is not declared",
        Ptxas = $"Unknown symbol '{s.Name}'",
        Span = s.Span,
        Help = Suggest(s.Name, insn.Function.LocalSymbols.Keys.Concat(insn.Function.Module.Globals.Keys).Concat(insn.Function.Module.Functions.Select(f => f.Name))) is { } x
            ? $"did you mean `{x}`?" : $"declare {s.Name} or fix the name",
    };

    private static IsaProblem? CheckCall(Instruction insn, SymbolTable symbols)
    {
        var ops = insn.Operands;
        int i = 0;
        ParenListOperand? ret = null, args = null;
        if (i < ops.Count && ops[i] is ParenListOperand r0) { ret = r0; i++; }
        if (i >= ops.Count || ops[i] is not (SymbolOperand or RegisterOperand))
            return new IsaProblem
            {
                Kind = IsaProblemKind.Call,
                Message = "`call` names no function to call",
                Ptxas = "Parsing error near '(': syntax error",
                Help = "write `call (results), function, (arguments);`",
            };
        var callee = ops[i++];
        if (i < ops.Count && ops[i] is ParenListOperand a0) { args = a0; i++; }
        var tail = i < ops.Count ? ops[i] : null;
        if (callee is SymbolOperand s)
        {
            var f = symbols.Function(s.Name);
            // ptxas reads the module once: the function must be declared (or defined) before the call
            var firstDecl = insn.Function.Module.Functions.FirstOrDefault(x => x.Name == s.Name);
            if (f is not null && firstDecl is not null && firstDecl.NameSpan.StartLine > insn.Span.StartLine && !ReferenceEquals(firstDecl, insn.Function))
                return new IsaProblem
                {
                    Kind = IsaProblemKind.Call,
                    Message = $"`call` to {s.Name}, which is declared only later (line {firstDecl.NameSpan.StartLine})",
                    Ptxas = $"Call to '{s.Name}' requires call prototype",
                    Span = s.Span,
                    Help = $"declare it before the caller: `.func {s.Name}(...);` near the top of the file",
                };
            if (f is null)
                return new IsaProblem
                {
                    Kind = IsaProblemKind.Call,
                    Message = $"`call` to {s.Name}, which is not declared",
                    Ptxas = $"Call to '{s.Name}' requires call prototype",
                    Span = s.Span,
                    Help = $"declare it before the call (`.extern .func {s.Name}(...);`) or fix the name",
                };
            int retCount = ret?.Elements.Count ?? 0, argCount = args?.Elements.Count ?? 0;
            if (retCount != f.ReturnParameters.Count || argCount != f.Parameters.Count)
                return new IsaProblem
                {
                    Kind = IsaProblemKind.Call,
                    Message = $"`call` {s.Name} with {argCount} argument{(argCount == 1 ? "" : "s")} and {retCount} result{(retCount == 1 ? "" : "s")}; it takes {f.Parameters.Count} and returns {f.ReturnParameters.Count}",
                    Ptxas = "Call has wrong number of parameters",
                    Help = $"pass what `{f.Name}` declares at line {f.NameSpan.StartLine}",
                };
            return null;
        }
        if (callee is RegisterOperand reg)
        {
            if (tail is SymbolOperand t && (insn.Function.CallPrototypes.ContainsKey(t.Name) || insn.Function.CallTargets.ContainsKey(t.Name)))
                return null;
            return new IsaProblem
            {
                Kind = IsaProblemKind.Call,
                Message = $"indirect `call` through {reg.Name} names no .callprototype or .calltargets",
                Ptxas = $"Call to '{reg.Name}' requires call prototype",
                Help = "declare the callee's signature (`proto: .callprototype (.param .b32 _) _ (.param .b64 _);`) and name it last: `call (r), %rd1, (a), proto;`",
            };
        }
        return null;
    }

    // ------------------------------------------------------------------ helpers

    private static IsaProblem Mismatch(Instruction insn, Operand op, int index, IsaProblemKind kind, string message, string? ptxas, string? help = null) => new()
    {
        Kind = kind,
        Message = message,
        Ptxas = ptxas,
        Help = help,
        Span = op.Span.IsEmpty ? default : op.Span,
    };

    private static string Describe(Operand op) => op switch
    {
        RegisterOperand r => $"the register {r.FullName}",
        ImmediateOperand i => $"the constant {i.Text}",
        FloatImmediateOperand f => $"the constant {f.Text}",
        AddressOperand a => $"the address {a}",
        VectorOperand v => $"a vector of {v.Elements.Count}",
        SymbolOperand s => $"the symbol {s.Name}",
        SinkOperand => "the sink _",
        DualPredicateOperand d => $"the pair {d}",
        ParenListOperand p => $"the list {p}",
        _ => $"`{op}`",
    };

    private static string Base(string modifier)
    {
        int i = modifier.IndexOf("::", StringComparison.Ordinal);
        return i < 0 ? modifier : modifier[..i];
    }

    /// <summary>The closest candidate within edit distance 2 (or a third of the word), or null.</summary>
    public static string? Suggest(string word, IEnumerable<string> candidates)
    {
        string? best = null;
        int bestD = int.MaxValue;
        int limit = Math.Max(1, Math.Min(2, word.Length / 3));
        foreach (var c in candidates)
        {
            if (c == word) continue;
            int d = Distance(word, c);
            if (d < bestD || (d == bestD && best is not null && string.CompareOrdinal(c, best) < 0)) { bestD = d; best = c; }
        }
        return bestD <= limit ? best : null;
    }

    /// <summary>Damerau-Levenshtein distance (adjacent transpositions count as one edit).</summary>
    internal static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }
}
