using System.Globalization;
using System.Text;

namespace PtxLint.Semantics;

/// <summary>A minimum PTX ISA version and a set of targets an instruction form or modifier needs.</summary>
public sealed record IsaRequirement(Version? Ptx, int MinSm, IReadOnlyList<string>? Targets)
{
    public static readonly IsaRequirement None = new(null, 0, null);

    /// <summary>Both requirements at once (the stricter of each part).</summary>
    public IsaRequirement And(IsaRequirement? other)
    {
        if (other is null || ReferenceEquals(other, None)) return this;
        if (ReferenceEquals(this, None)) return other;
        var ptx = Ptx is null ? other.Ptx : other.Ptx is null ? Ptx : Ptx >= other.Ptx ? Ptx : other.Ptx;
        var targets = Targets is null ? other.Targets : other.Targets is null ? Targets : Targets.Intersect(other.Targets).ToList();
        return new IsaRequirement(ptx, Math.Max(MinSm, other.MinSm), targets);
    }

    /// <summary>As the ISA writes it: <c>PTX ISA 8.6, sm_100a/sm_101a</c>.</summary>
    public override string ToString()
    {
        var parts = new List<string>();
        if (Ptx is not null) parts.Add($"PTX ISA {Ptx}");
        if (Targets is not null) parts.Add(string.Join("/", Targets.Select(t => "sm_" + t)));
        else if (MinSm > 0) parts.Add($"sm_{MinSm}+");
        return string.Join(", ", parts);
    }

    public static IsaRequirement Parse(string text)
    {
        Version? ptx = null;
        int sm = 0;
        List<string>? targets = null;
        var words = text.Split((char[])[' ', '\t', ','], StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i + 1 < words.Length; i += 2)
        {
            if (words[i] == "ptx") ptx = Version.Parse(words[i + 1]);
            else if (words[i] == "sm")
            {
                var v = words[i + 1];
                if (v.All(char.IsAsciiDigit)) sm = int.Parse(v, CultureInfo.InvariantCulture);
                else targets = v.Split('|').ToList();
            }
            else throw new FormatException($"unknown requirement '{words[i]}' in '{text}'");
        }
        return new IsaRequirement(ptx, sm, targets);
    }
}

/// <summary>A modifier position of an instruction form: a literal (<c>.sat</c>) or a group (<c>.type = {...}</c>), required or optional.</summary>
public sealed class IsaSlot
{
    public required string Name { get; init; }
    /// <summary>The values it takes, each with what it needs beyond the form (or null); the first word of a multi-word value.</summary>
    public required IReadOnlyDictionary<string, IsaRequirement?> Values { get; init; }
    /// <summary>Values of several words (<c>.async.shared::cta</c>): the slot takes them as consecutive modifiers.</summary>
    public IReadOnlyList<string[]> MultiWord { get; init; } = Array.Empty<string[]>();
    public bool Optional { get; init; }
    /// <summary>True when every value is a fundamental type (.u32, .f16x2 ...): the instruction's type.</summary>
    public bool IsType { get; init; }
    public override string ToString() => Optional ? "{" + Name + "}" : Name;
}

public enum IsaOperandKind { Value, Address, Vector, Dual, Label, Rest }

/// <summary>An operand position of an instruction form.</summary>
public sealed class IsaOperand
{
    public required string Name { get; init; }
    public IsaOperandKind Kind { get; init; }
    public bool Optional { get; init; }
    /// <summary>A predicate operand that may be written <c>!p</c>.</summary>
    public bool Negatable { get; init; }
    /// <summary>For <see cref="IsaOperandKind.Dual"/>: the second destination's name; whether it may be left out (<c>p{|q}</c>).</summary>
    public string? Second { get; init; }
    public bool SecondOptional { get; init; }
    /// <summary>The second destination's type expression (a predicate unless the table says otherwise).</summary>
    public string SecondType { get; set; } = ".pred";
    /// <summary>For an explicit vector (<c>{a, b, e, f}</c>): its length.</summary>
    public int VectorLength { get; init; }
    /// <summary>Type expression: <c>.u32</c>, <c>.type</c> (a bound group or the form's type), <c>.type*2</c>, <c>any</c>, <c>int</c>, <c>label</c>.</summary>
    public string Type { get; set; } = "any";
    public bool IsDestination { get; set; }
    /// <summary>The data operand of a .vN form: a {vector} of N elements there, a scalar otherwise.</summary>
    public bool IsVectorData { get; set; }
    internal IsaOperand AsLabel() => new()
    {
        Name = Name, Kind = IsaOperandKind.Label, Optional = Optional, Type = "label", IsDestination = false,
    };

    public override string ToString() => Name;
}

/// <summary>Checks an instruction form needs beyond its slots and operands.</summary>
[Flags]
public enum IsaFormFlags
{
    None = 0,
    /// <summary>ld/st/cvt: a data register may be wider than the instruction type (ISA "Relaxed type-checking rules").</summary>
    Relaxed = 1,
    /// <summary>Operands are not checked (only the opcode, modifiers, .version and .target).</summary>
    Unchecked = 2,
    Mov = 4,
    Cvt = 8,
    Cvta = 16,
    Call = 32,
    /// <summary>tex/tld4: a vector result and an address with coordinates.</summary>
    Texture = 64,
    /// <summary>With Unchecked: the number of operands is checked, their kinds and types are not (wmma fragments).</summary>
    Counted = 128,
}

/// <summary>One syntax line of the ISA: an instruction form with its slots, operands and requirements.</summary>
public sealed class IsaForm
{
    /// <summary>The first word: <c>ld</c>, <c>cp</c>, <c>tcgen05</c>.</summary>
    public required string Opcode { get; init; }
    /// <summary>The words of a compound instruction name that must follow the opcode, in order (<c>.async .bulk</c> of <c>cp.async.bulk</c>).</summary>
    public required IReadOnlyList<string> Compound { get; init; }
    public required IReadOnlyList<IsaSlot> Slots { get; init; }
    public required IReadOnlyList<IsaOperand> Operands
    {
        get => _operands;
        init
        {
            _operands = value;
            RestOperands = value.Count(o => o.Kind == IsaOperandKind.Rest);
            RequiredOperands = value.Count(o => !o.Optional && o.Kind != IsaOperandKind.Rest);
            OptionalOperands = value.Count(o => o.Optional);
            HasCachePolicyOperand = value.Any(o => o.Name == "cache-policy" && !o.IsDestination);
        }
    }
    private readonly IReadOnlyList<IsaOperand> _operands = Array.Empty<IsaOperand>();
    /// <summary>How many operands the form requires, may add, and whether it ends with "..." (counted once, at load).</summary>
    public int RequiredOperands { get; private init; }
    public int OptionalOperands { get; private init; }
    public int RestOperands { get; private init; }
    /// <summary>The form ends with an optional <c>cache-policy</c> source operand (counted once, at load).</summary>
    public bool HasCachePolicyOperand { get; private init; }
    public required IsaRequirement Requirement { get; init; }
    public IsaFormFlags Flags { get; init; }
    /// <summary>"at least one of these slots" rules with ptxas's message ('$' is the instruction's name).</summary>
    public IReadOnlyList<(string[] Slots, string Message)> RequiredAny { get; init; } = Array.Empty<(string[], string)>();
    /// <summary>The instruction loses its non-.sync form from PTX ISA 6.4 on sm_70 and later (vote, shfl).</summary>
    public bool NoSyncDeprecated { get; init; }
    /// <summary>load/store/atomic/texture: what the address operand accesses.</summary>
    public string? Memory { get; init; }
    /// <summary>The ISA syntax line (for messages and the table test).</summary>
    public required string Syntax { get; init; }
    /// <summary>The instruction's name as ptxas says it: <c>cp.async.bulk</c>, <c>add</c>.</summary>
    public string Name => Compound.Count == 0 ? Opcode : Opcode + string.Concat(Compound.Select(c => "." + c.TrimStart('.')));
    public override string ToString() => Syntax;
}

/// <summary>
/// The ISA half of the instruction table: every instruction form of the PTX ISA with its modifiers, operand
/// signature, types, minimum PTX ISA version and targets, read from InstructionTable.Isa.txt (embedded), plus the
/// .version and .target facts. Built once, on first use.
/// </summary>
public static class IsaTable
{
    // The table is read in two steps: at first use, the text is split into its blocks and each block's opcodes are
    // noted (cheap: no form is built); a block's forms are built the first time one of its opcodes is asked for. A
    // 16 KB file uses a few dozen opcodes, so a short run no longer builds the whole table (a cold start spent about
    // 25 ms there). Only the whole-table questions (every opcode, every modifier) build every block.
    private static readonly Lazy<TableIndex> Index = new(() => BuildIndex(ReadEmbedded()), LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<Data> Loaded = new(LoadAll, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, IsaForm[]> FormsByOpcode = new(StringComparer.Ordinal);
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, HashSet<string>> ModifiersByOpcode = new(StringComparer.Ordinal);

    /// <summary>The whole table (every block built): for the questions about all opcodes and all modifiers.</summary>
    private sealed class Data
    {
        public readonly Dictionary<string, IReadOnlyList<IsaForm>> Forms = new(StringComparer.Ordinal);
        public readonly HashSet<string> Vocabulary = new(StringComparer.Ordinal);
    }

    private sealed class TableBlock
    {
        public required Lazy<IsaForm[]> Forms;
    }

    private sealed class TableIndex
    {
        public readonly List<string> Compounds = new();
        public readonly List<TableBlock> Blocks = new();
        /// <summary>Opcode → the blocks with a form of it, in table order.</summary>
        public readonly Dictionary<string, List<TableBlock>> BlocksByOpcode = new(StringComparer.Ordinal);
    }

    /// <summary>Every instruction form of an opcode (its first word), in table order; empty when the opcode is not PTX.</summary>
    public static IReadOnlyList<IsaForm> FormsOf(string opcode)
    {
        if (FormsByOpcode.TryGetValue(opcode, out var hit)) return hit;
        var index = Index.Value;
        IsaForm[] forms;
        if (!index.BlocksByOpcode.TryGetValue(opcode, out var blocks)) forms = Array.Empty<IsaForm>();
        else
        {
            var list = new List<IsaForm>();
            foreach (var b in blocks)
                foreach (var f in b.Forms.Value)
                    if (f.Opcode == opcode) list.Add(f);
            forms = list.ToArray();
        }
        // only opcodes the table knows are kept (a file full of bad opcodes does not grow the cache)
        if (forms.Length > 0) FormsByOpcode.TryAdd(opcode, forms);
        return forms;
    }

    /// <summary>Every opcode (first word) the ISA defines.</summary>
    public static IReadOnlyCollection<string> Opcodes => Loaded.Value.Forms.Keys;

    /// <summary>Every instruction name, compound names included (<c>cp.async.bulk.tensor</c>).</summary>
    public static IEnumerable<string> InstructionNames => Loaded.Value.Forms.Values.SelectMany(l => l).Select(f => f.Name).Distinct();

    /// <summary>Every modifier any instruction takes (ptxas says "Unknown modifier" for anything else).</summary>
    public static bool IsKnownModifier(string modifier) => Loaded.Value.Vocabulary.Contains(modifier);

    /// <summary>
    /// <see cref="IsKnownModifier(string)"/> asked for an instruction: a modifier of the opcode's own forms answers
    /// without building the whole table.
    /// </summary>
    public static bool IsKnownModifier(string opcode, string modifier) =>
        ModifiersOf(opcode).Contains(modifier) || IsKnownModifier(modifier);

    /// <summary>The modifiers an opcode's forms take (for "did you mean").</summary>
    public static IReadOnlyCollection<string> ModifiersOf(string opcode)
    {
        if (ModifiersByOpcode.TryGetValue(opcode, out var hit)) return hit;
        var forms = FormsOf(opcode);
        if (forms.Count == 0) return Array.Empty<string>();
        var mods = new HashSet<string>(StringComparer.Ordinal);
        foreach (var f in forms) AddModifiers(f, mods);
        return ModifiersByOpcode.GetOrAdd(opcode, mods);
    }

    private static void AddModifiers(IsaForm f, HashSet<string> into)
    {
        foreach (var c in f.Compound) into.Add(c);
        foreach (var s in f.Slots)
        {
            foreach (var v in s.Values.Keys) into.Add(v);
            foreach (var w in s.MultiWord)
                foreach (var x in w) into.Add(x);
        }
    }

    /// <summary>The compound instruction names (<c>cp.async.bulk</c>), from the table's %compound line.</summary>
    public static IReadOnlyList<string> Compounds => Index.Value.Compounds;

    // ------------------------------------------------------------------ .version and .target facts

    /// <summary>The PTX ISA versions that exist up to the newest this table knows (ptxas rejects others: "Unsupported .version 7.9").</summary>
    public static readonly IReadOnlyList<Version> KnownVersions = new[]
    {
        "1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "2.0", "2.1", "2.2", "2.3", "3.0", "3.1", "3.2", "4.0", "4.1", "4.2", "4.3",
        "5.0", "6.0", "6.1", "6.2", "6.3", "6.4", "6.5", "7.0", "7.1", "7.2", "7.3", "7.4", "7.5", "7.6", "7.7", "7.8",
        "8.0", "8.1", "8.2", "8.3", "8.4", "8.5", "8.6", "8.7", "8.8", "9.0",
    }.Select(Version.Parse).ToArray();

    /// <summary>The newest PTX ISA version the table knows (PTX ISA 9.0, CUDA 13.0); newer files are valid for newer toolchains.</summary>
    public static Version NewestVersion => KnownVersions[^1];

    /// <summary>Each target and the PTX ISA version that introduced it (the ISA's ".target" PTX ISA Notes).</summary>
    public static readonly IReadOnlyDictionary<string, Version> TargetVersions = new Dictionary<string, string>
    {
        ["sm_10"] = "1.0", ["sm_11"] = "1.0", ["sm_12"] = "1.2", ["sm_13"] = "1.2", ["sm_20"] = "2.0", ["sm_21"] = "2.0", ["sm_30"] = "3.0",
        ["sm_32"] = "4.0", ["sm_35"] = "3.1", ["sm_37"] = "4.1", ["sm_50"] = "4.0", ["sm_52"] = "4.1", ["sm_53"] = "4.2",
        ["sm_60"] = "5.0", ["sm_61"] = "5.0", ["sm_62"] = "5.0", ["sm_70"] = "6.0", ["sm_72"] = "6.1", ["sm_75"] = "6.3",
        ["sm_80"] = "7.0", ["sm_86"] = "7.1", ["sm_87"] = "7.4", ["sm_88"] = "9.0", ["sm_89"] = "7.8", ["sm_90"] = "7.8",
        ["sm_90a"] = "8.0", ["sm_100"] = "8.6", ["sm_100a"] = "8.6", ["sm_100f"] = "8.8", ["sm_101"] = "8.6", ["sm_101a"] = "8.6",
        ["sm_101f"] = "8.8", ["sm_103"] = "8.8", ["sm_103a"] = "8.8", ["sm_103f"] = "8.8", ["sm_110"] = "9.0", ["sm_110a"] = "9.0",
        ["sm_110f"] = "9.0", ["sm_120"] = "8.7", ["sm_120a"] = "8.7", ["sm_120f"] = "8.8", ["sm_121"] = "8.8", ["sm_121a"] = "8.8",
        ["sm_121f"] = "8.8",
    }.ToDictionary(kv => kv.Key, kv => Version.Parse(kv.Value), StringComparer.Ordinal);

    /// <summary>The other words a .target may hold.</summary>
    public static readonly IReadOnlySet<string> TargetOptions = new HashSet<string>(StringComparer.Ordinal)
    {
        "texmode_unified", "texmode_independent", "debug", "map_f64_to_f32",
    };

    /// <summary>The number of an <c>sm_XX</c>/<c>compute_XX</c> target (90 for sm_90a), or -1.</summary>
    public static int SmNumber(string target)
    {
        var t = target.StartsWith("compute_", StringComparison.Ordinal) ? "sm_" + target[8..] : target;
        if (!t.StartsWith("sm_", StringComparison.Ordinal)) return -1;
        int end = 3;
        while (end < t.Length && char.IsAsciiDigit(t[end])) end++;
        return end > 3 && int.TryParse(t.AsSpan(3, end - 3), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1;
    }

    /// <summary><c>compute_90a</c> is a synonym of <c>sm_90a</c>.</summary>
    public static string Canonical(string target) => target.StartsWith("compute_", StringComparison.Ordinal) ? "sm_" + target[8..] : target;

    /// <summary>True when the module's target meets <paramref name="r"/>'s target part.</summary>
    public static bool TargetMeets(IsaRequirement r, string? target)
    {
        if (target is null) return true;
        var t = Canonical(target);
        int sm = SmNumber(t);
        if (sm < 0) return true;
        if (r.Targets is not null)
        {
            var suffix = t[3..];
            return r.Targets.Contains(suffix, StringComparer.Ordinal);
        }
        return sm >= r.MinSm;
    }

    // ------------------------------------------------------------------ loading

    private static string ReadEmbedded()
    {
        using var s = typeof(IsaTable).Assembly.GetManifestResourceStream("PtxLint.Semantics.InstructionTable.Isa.txt")
                      ?? throw new InvalidOperationException("InstructionTable.Isa.txt is not embedded");
        using var r = new StreamReader(s);
        return r.ReadToEnd();
    }

    /// <summary>The table's text (tests check that every form parses and that the ISA's instructions are all there).</summary>
    public static string Source => ReadEmbedded();

    /// <summary><c>.name = .other = { ... };</c> or an opcode group <c>vop = { vadd, vsub };</c>.</summary>
    private static bool IsGroupLine(string line)
    {
        // ^[.:A-Za-z0-9_]+(\s*=\s*[.:A-Za-z0-9_]+)*\s*=\s*\{
        int i = 0, n = line.Length;
        while (true)
        {
            int start = i;
            while (i < n && (char.IsAsciiLetterOrDigit(line[i]) || line[i] is '.' or ':' or '_')) i++;
            if (i == start) return false;
            while (i < n && char.IsWhiteSpace(line[i])) i++;
            if (i >= n || line[i] != '=') return false;
            i++;
            while (i < n && char.IsWhiteSpace(line[i])) i++;
            if (i < n && line[i] == '{') return true;
        }
    }

    /// <summary>The names and the values of a group line: <c>.a = .b = { .x, .y<ptx 8.0> }</c> gives (.a .b) and (.x, .y&lt;ptx 8.0&gt;).</summary>
    private static (string[] Names, List<string> Values) SplitGroupLine(string line)
    {
        int brace = line.IndexOf('{'), close = line.LastIndexOf('}');
        if (close < brace) throw new FormatException("a group line ends with '}'");
        return (line[..brace].Split('=', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                line[(brace + 1)..close].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList());
    }

    /// <summary>A group of modifiers (<c>.type</c>, <c>::cache</c>); any other group name is a group of opcodes (<c>vop</c>).</summary>
    private static bool IsModifierGroup(string name) => name.StartsWith('.') || name.StartsWith("::", StringComparison.Ordinal);

    /// <summary>The opcode a form line or template starts with (its first word).</summary>
    private static string LeadingWord(string s)
    {
        int i = 0;
        while (i < s.Length && (char.IsAsciiLetterOrDigit(s[i]) || s[i] == '_')) i++;
        return s[..i];
    }

    /// <summary>Splits the text into blocks (blank-line separated) and notes which opcodes each block defines.</summary>
    private static TableIndex BuildIndex(string text)
    {
        var index = new TableIndex();
        var block = new List<(string Line, int No)>();
        int lineNo = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNo++;
            var line = raw.TrimEnd('\r');
            // a comment line inside a block does not end it; only a blank line does
            if (line.TrimStart().StartsWith('#')) continue;
            int hash = line.IndexOf('#');
            if (hash >= 0) line = line[..hash];
            if (line.StartsWith("%compound", StringComparison.Ordinal))
            {
                index.Compounds.AddRange(line[9..].Split(' ', StringSplitOptions.RemoveEmptyEntries));
                continue;
            }
            if (line.Trim().Length == 0)
            {
                if (block.Count > 0) AddBlock(index, block);
                block = new List<(string Line, int No)>();
                continue;
            }
            block.Add((line.Trim(), lineNo));
        }
        if (block.Count > 0) AddBlock(index, block);
        return index;
    }

    private static void AddBlock(TableIndex index, List<(string Line, int No)> lines)
    {
        var compounds = index.Compounds;
        var b = new TableBlock { Forms = new Lazy<IsaForm[]>(() => LoadBlock(compounds, lines).ToArray(), LazyThreadSafetyMode.ExecutionAndPublication) };
        index.Blocks.Add(b);
        // the opcodes of the block's forms: a form line's first word, through the block's opcode groups
        var opcodeGroups = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var templates = new List<string>();
        foreach (var (line, no) in lines)
        {
            if (line.StartsWith('@')) continue;
            if (IsGroupLine(line))
            {
                (string[] Names, List<string> Values) group;
                try { group = SplitGroupLine(line); }
                catch (FormatException e) { throw new FormatException($"InstructionTable.Isa.txt line {no}: {e.Message}: {line}", e); }
                var (names, values) = group;
                foreach (var name in names)
                    if (!IsModifierGroup(name)) opcodeGroups[name] = values;
                continue;
            }
            templates.Add(LeadingWord(line));
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in templates)
            foreach (var op in opcodeGroups.TryGetValue(t, out var g) ? g : new List<string> { t })
                if (seen.Add(op))
                {
                    if (!index.BlocksByOpcode.TryGetValue(op, out var list)) index.BlocksByOpcode[op] = list = new List<TableBlock>();
                    list.Add(b);
                }
    }

    /// <summary>Every block built (the questions about all opcodes and all modifiers).</summary>
    private static Data LoadAll()
    {
        var data = new Data();
        var index = Index.Value;
        int total = 0;
        foreach (var b in index.Blocks)
            foreach (var f in b.Forms.Value)
            {
                total++;
                AddModifiers(f, data.Vocabulary);
                if (!data.Forms.ContainsKey(f.Opcode)) data.Forms[f.Opcode] = FormsOf(f.Opcode);
                // the index must name every block an opcode has forms in (the tests build the whole table)
                if (!data.Forms[f.Opcode].Contains(f))
                    throw new InvalidOperationException($"InstructionTable.Isa.txt: the block index misses '{f.Opcode}' ({f.Syntax})");
            }
        if (data.Forms.Values.Sum(l => l.Count) != total)
            throw new InvalidOperationException("InstructionTable.Isa.txt: the block index finds forms twice");
        foreach (var t in new[] { ".v2", ".v4", ".v8" }) data.Vocabulary.Add(t);
        return data;
    }

    private sealed class RawForm
    {
        public required string Syntax;
        public required string Template;
        public required string OperandText;
        public IsaRequirement Requirement = IsaRequirement.None;
        public int Line;
    }

    private static List<IsaForm> LoadBlock(List<string> compounds, List<(string Line, int No)> lines)
    {
        var built = new List<IsaForm>();
        var forms = new List<RawForm>();
        var groups = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var opcodeGroups = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var blockReq = IsaRequirement.None;
        var flags = IsaFormFlags.None;
        var dests = (string[]?)null;
        string? vectorOperand = null;
        var requiredAny = new List<(string[], string)>();
        bool noSync = false;
        string? memory = null;
        foreach (var (line, no) in lines)
        {
            try
            {
                if (line.StartsWith('@'))
                {
                    var a = line[1..].Trim();
                    int sp = a.IndexOf(' ');
                    var key = sp < 0 ? a : a[..sp];
                    var rest = sp < 0 ? "" : a[(sp + 1)..].Trim();
                    switch (key)
                    {
                        case "ptx" or "sm": blockReq = blockReq.And(IsaRequirement.Parse(a)); break;
                        case "types":
                            foreach (var pair in rest.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                            {
                                var kv = pair.Split('=');
                                types[kv[0]] = kv[1];
                            }
                            break;
                        case "dest": dests = rest == "none" ? Array.Empty<string>() : rest.Split(',', StringSplitOptions.TrimEntries); break;
                        case "relaxed": flags |= IsaFormFlags.Relaxed; break;
                        case "unchecked": flags |= IsaFormFlags.Unchecked; break;
                        case "counted": flags |= IsaFormFlags.Counted | IsaFormFlags.Unchecked; break;
                        case "mov": flags |= IsaFormFlags.Mov; break;
                        case "cvt": flags |= IsaFormFlags.Cvt; break;
                        case "cvta": flags |= IsaFormFlags.Cvta; break;
                        case "call": flags |= IsaFormFlags.Call | IsaFormFlags.Unchecked; break;
                        case "texture": flags |= IsaFormFlags.Texture | IsaFormFlags.Unchecked; break;
                        case "vector": vectorOperand = rest; break;
                        case "nosync": noSync = true; break;
                        case "memory": memory = rest; break;
                        case "required":
                        {
                            int colon = rest.IndexOf(':');
                            requiredAny.Add((rest[..colon].Split(' ', StringSplitOptions.RemoveEmptyEntries), rest[(colon + 1)..].Trim()));
                            break;
                        }
                        default: throw new FormatException($"unknown annotation '@ {key}'");
                    }
                    continue;
                }
                if (IsGroupLine(line))
                {
                    var (names, values) = SplitGroupLine(line);
                    foreach (var n in names)
                    {
                        if (IsModifierGroup(n)) groups[n] = values;
                        else opcodeGroups[n] = values;
                    }
                    continue;
                }
                int semi = line.IndexOf(';');
                if (semi < 0) throw new FormatException("a form line ends with ';'");
                var body = line[..semi].Trim();
                var after = line[(semi + 1)..].Trim();
                int ws = body.IndexOfAny([' ', '\t']);
                var form = new RawForm
                {
                    Syntax = body + ";",
                    Template = ws < 0 ? body : body[..ws],
                    OperandText = ws < 0 ? "" : body[(ws + 1)..].Trim(),
                    Line = no,
                };
                if (after.StartsWith('@')) form.Requirement = IsaRequirement.Parse(after[1..]);
                forms.Add(form);
            }
            catch (Exception e) when (e is FormatException or ArgumentException or IndexOutOfRangeException or ArgumentOutOfRangeException)
            {
                throw new FormatException($"InstructionTable.Isa.txt line {no}: {e.Message}: {line}", e);
            }
        }
        foreach (var raw in forms)
        {
            try
            {
                built.AddRange(BuildForms(compounds, raw, groups, opcodeGroups, types, blockReq, flags, dests, vectorOperand, requiredAny, noSync, memory));
            }
            catch (Exception e) when (e is FormatException or ArgumentException or IndexOutOfRangeException or ArgumentOutOfRangeException or KeyNotFoundException)
            {
                throw new FormatException($"InstructionTable.Isa.txt line {raw.Line}: {e.Message}: {raw.Syntax}", e);
            }
        }
        return built;
    }

    /// <summary>Splits a template such as <c>ld{.weak}{.ss}.global.nc{.vec}.type</c> into (token, optional) pairs after the opcode.</summary>
    private static (string Opcode, List<(string Token, bool Optional)> Parts) SplitTemplate(string template)
    {
        var opcode = LeadingWord(template);
        int i = opcode.Length;
        var parts = new List<(string, bool)>();
        while (i < template.Length)
        {
            bool optional = template[i] == '{';
            if (optional) i++;
            int end = optional ? template.IndexOf('}', i) : i;
            var chunk = optional ? template[i..end] : ReadToken(template, ref end);
            foreach (var t in SplitDots(chunk)) parts.Add((t, optional));
            i = optional ? end + 1 : end;
        }
        return (opcode, parts);

        static string ReadToken(string s, ref int k)
        {
            int start = k;
            k++; // the '.'
            while (k < s.Length && s[k] != '.' && s[k] != '{')
            {
                if (s[k] == ':' && k + 1 < s.Length && s[k + 1] == ':') { k += 2; continue; }
                k++;
            }
            return s[start..k];
        }
    }

    /// <summary><c>.xorsign.abs</c> → <c>.xorsign</c>, <c>.abs</c>; <c>.level::cache_hint</c> stays one token.</summary>
    private static IEnumerable<string> SplitDots(string s)
    {
        int start = 0;
        for (int k = 1; k <= s.Length; k++)
        {
            if (k == s.Length || s[k] == '.')
            {
                if (k > start) yield return s[start..k];
                start = k;
            }
        }
    }

    private static IEnumerable<IsaForm> BuildForms(List<string> compounds, RawForm raw, Dictionary<string, List<string>> groups, Dictionary<string, List<string>> opcodeGroups,
        Dictionary<string, string> types, IsaRequirement blockReq, IsaFormFlags flags, string[]? dests, string? vectorOperand,
        List<(string[], string)> requiredAny, bool noSync, string? memory)
    {
        var (opcode, parts) = SplitTemplate(raw.Template);
        var opcodes = opcodeGroups.TryGetValue(opcode, out var og) ? og : new List<string> { opcode };
        foreach (var op in opcodes)
        {
            // the leading words of a compound instruction name (%compound): ordered and required
            var compound = new List<string>();
            int k = 0, full = 0;
            var prefix = op;
            while (k < parts.Count && !parts[k].Optional && !groups.ContainsKey(parts[k].Token))
            {
                prefix += Base(parts[k].Token);
                if (!compounds.Any(c => c == prefix || c.StartsWith(prefix + ".", StringComparison.Ordinal))) break;
                k++;
                if (compounds.Contains(prefix, StringComparer.Ordinal)) full = k;
            }
            for (int j = 0; j < full; j++) compound.Add(parts[j].Token);
            k = full;
            var slots = new List<IsaSlot>();
            for (; k < parts.Count; k++)
            {
                var (token, optional) = parts[k];
                if (groups.TryGetValue(token, out var values))
                {
                    var dict = new Dictionary<string, IsaRequirement?>(StringComparer.Ordinal);
                    var multi = new List<string[]>();
                    bool canBeAbsent = false;
                    foreach (var v in values)
                    {
                        if (v == "none") { canBeAbsent = true; continue; }
                        int lt = v.IndexOf('<');
                        var name = lt < 0 ? v : v[..lt].Trim();
                        var req = lt < 0 ? null : IsaRequirement.Parse(v[(lt + 1)..v.LastIndexOf('>')]);
                        var pieces = SplitDots(name).ToArray();
                        dict[pieces[0]] = req;
                        if (pieces.Length > 1) multi.Add(pieces);
                    }
                    slots.Add(new IsaSlot
                    {
                        Name = token,
                        Values = dict,
                        MultiWord = multi,
                        Optional = optional || canBeAbsent,
                        IsType = dict.Count > 0 && dict.Keys.All(Types.IsType),
                    });
                }
                else
                {
                    slots.Add(new IsaSlot
                    {
                        Name = token,
                        Values = new Dictionary<string, IsaRequirement?>(StringComparer.Ordinal) { [token] = null },
                        Optional = optional,
                        IsType = Types.IsType(token),
                    });
                }
            }
            var operands = ParseOperands(raw.OperandText);
            var vectorOperands = vectorOperand is null ? Array.Empty<string>() : vectorOperand.Split(',', StringSplitOptions.TrimEntries);
            // operand types: explicit, else the form's one type
            var typeSlots = slots.Where(s => s.IsType).ToList();
            string? single = typeSlots.Count == 1 ? typeSlots[0].Name : null;
            bool firstIsDest = dests is null;
            for (int j = 0; j < operands.Count; j++)
            {
                var o = operands[j];
                if (types.TryGetValue(o.Name, out var t)) { o.Type = t; if (t == "label") o = operands[j] = o.AsLabel(); }
                else if (o.Kind == IsaOperandKind.Label) o.Type = "label";
                else if (o.Kind is IsaOperandKind.Address or IsaOperandKind.Rest) o.Type = "any";
                else if (single is not null) o.Type = single;
                if (dests is not null) o.IsDestination = dests.Contains(o.Name);
                else o.IsDestination = j == 0 && firstIsDest && o.Kind is IsaOperandKind.Value or IsaOperandKind.Vector or IsaOperandKind.Dual;
                if (o.Kind == IsaOperandKind.Dual && o.Second is { } second && types.TryGetValue(second, out var t2)) o.SecondType = t2;
                if (o.Kind == IsaOperandKind.Dual && !types.ContainsKey(o.Name) && o.SecondOptional is false && single is null) o.Type = ".pred";
                if (vectorOperands.Contains(o.Name)) o.IsVectorData = true;
            }
            foreach (var (names, _) in requiredAny)
                foreach (var n in names)
                    if (!slots.Any(s => s.Name == n) && !parts.Any(p => p.Token == n))
                        continue;
            yield return new IsaForm
            {
                Opcode = op,
                Compound = compound,
                Slots = slots,
                Operands = operands,
                Requirement = blockReq.And(raw.Requirement),
                Flags = flags,
                RequiredAny = requiredAny.Where(r => r.Item1.Any(n => slots.Any(s => s.Name == n))).ToList(),
                NoSyncDeprecated = noSync,
                Memory = memory,
                Syntax = opcodes.Count > 1 ? op + raw.Syntax[opcode.Length..] : raw.Syntax,
            };
        }
    }

    private static string Base(string token)
    {
        int i = token.IndexOf("::", StringComparison.Ordinal);
        return i < 0 ? token : token[..i];
    }

    /// <summary>Parses an ISA operand list: <c>d{|p}, [a, c] {, e}, {!}c, {a, b, e, f}, ...</c>.</summary>
    private static List<IsaOperand> ParseOperands(string text)
    {
        var list = new List<IsaOperand>();
        int i = 0;
        bool optional = false;
        int optDepth = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (char.IsWhiteSpace(c) || c == ',') { i++; continue; }
            if (c == '{' && i + 1 < text.Length && text[i + 1] == ',')
            {
                optional = true; optDepth++; i += 2; continue;
            }
            if (c == '}' && optDepth > 0) { optDepth--; optional = optDepth > 0; i++; continue; }
            if (c == '{' && i + 1 < text.Length && text[i + 1] == '.')
            {
                // {.unified} after an address: a modifier of the operand, not an operand
                i = text.IndexOf('}', i) + 1;
                continue;
            }
            if (c == '{' && text.AsSpan(i).StartsWith("{!}"))
            {
                i += 3;
                var name = ReadName(text, ref i);
                list.Add(new IsaOperand { Name = name, Negatable = true, Optional = optional });
                continue;
            }
            if (c == '{')
            {
                int close = text.IndexOf('}', i);
                var inner = text[(i + 1)..close].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                list.Add(new IsaOperand { Name = inner[0], Kind = IsaOperandKind.Vector, VectorLength = inner.Length, Optional = optional });
                i = close + 1;
                continue;
            }
            if (c == '[')
            {
                int close = text.IndexOf(']', i);
                var inner = text[(i + 1)..close].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                list.Add(new IsaOperand { Name = inner[0], Kind = IsaOperandKind.Address, Optional = optional });
                i = close + 1;
                continue;
            }
            if (text.AsSpan(i).StartsWith("..."))
            {
                list.Add(new IsaOperand { Name = "...", Kind = IsaOperandKind.Rest });
                i += 3;
                continue;
            }
            var n = ReadName(text, ref i);
            if (i < text.Length && text[i] == '|')
            {
                i++;
                var second = ReadName(text, ref i);
                list.Add(new IsaOperand { Name = n, Kind = IsaOperandKind.Dual, Second = second, Optional = optional });
                continue;
            }
            if (text.AsSpan(i).StartsWith("{|"))
            {
                i += 2;
                var second = ReadName(text, ref i);
                i = text.IndexOf('}', i) + 1;
                list.Add(new IsaOperand { Name = n, Kind = IsaOperandKind.Dual, Second = second, SecondOptional = true, Optional = optional });
                continue;
            }
            list.Add(new IsaOperand { Name = n, Optional = optional });
        }
        return list;

        static string ReadName(string s, ref int k)
        {
            int start = k;
            while (k < s.Length && (char.IsAsciiLetterOrDigit(s[k]) || s[k] is '_' or '-' or '.')) k++;
            if (k == start) throw new FormatException($"an operand name at '{s[start..]}'");
            return s[start..k];
        }
    }

    /// <summary>For the docs and tests: the table as ISA syntax lines with their requirements.</summary>
    public static string Describe()
    {
        var sb = new StringBuilder();
        foreach (var (op, forms) in Loaded.Value.Forms.OrderBy(k => k.Key, StringComparer.Ordinal))
            foreach (var f in forms)
                sb.Append(f.Syntax).Append("    ").AppendLine(f.Requirement.ToString());
        return sb.ToString();
    }
}
