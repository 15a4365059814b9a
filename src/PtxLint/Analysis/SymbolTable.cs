using System.Runtime.InteropServices;
using PtxLint.Ir;

namespace PtxLint.Analysis;

/// <summary>
/// Name resolution for one function (<c>fn.Analyses.Symbols</c>): which declaration a register name at an
/// instruction refers to (counting <c>%r&lt;N&gt;</c> ranges, which declare <c>%r0</c> to <c>%rN-1</c>, and the
/// nested <c>{ }</c> blocks that scope declarations), and what a symbol names: a variable of the function or the
/// module, a parameter, a function, a label.
/// </summary>
public sealed class SymbolTable
{
    private readonly PtxFunction _fn;
    private readonly Dictionary<string, List<RegisterDecl>> _singles = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<RegisterDecl>> _ranges = new(StringComparer.Ordinal);
    // the same ranges as arrays, for the lookup in functions without block-scoped registers: a function has a handful
    // of prefixes (%r, %rd, %f, %p), which a linear match finds without hashing
    private readonly string[] _rangePrefixes;
    private readonly List<RegisterDecl>[] _rangeLists;
    private Dictionary<string, PtxFunction>? _functions;
    // The last answers, by the identity of the name string (a function's operands share their name strings): every
    // name in a function without block-scoped registers, and the names no block-scoped declaration could declare.
    private const int RecentSize = 256;
    private readonly string?[] _recentNames = new string?[RecentSize];
    private readonly RegisterDecl?[] _recentDecls = new RegisterDecl?[RecentSize];
    /// <summary>No register declaration of the function is block-scoped.</summary>
    private readonly bool _allFlat;
    /// <summary>Every register declaration comes before the first instruction (no "declared after its use" to check).</summary>
    private readonly bool _declaredUpFront;
    /// <summary>Some single register's name ends in a digit (otherwise %r12 is never a single: no hash of it to find out).</summary>
    private readonly bool _singleEndsInDigit;

    public SymbolTable(PtxFunction fn)
    {
        _fn = fn;
        bool flat = true;
        foreach (var d in fn.RegisterDecls)
        {
            if (d.Scope is not null) flat = false;
            if (d.Count is null && d.Prefix.Length > 0 && char.IsAsciiDigit(d.Prefix[^1])) _singleEndsInDigit = true;
            var map = d.Count is null ? _singles : _ranges;
            if (!map.TryGetValue(d.Prefix, out var list)) map[d.Prefix] = list = new List<RegisterDecl>(1);
            list.Add(d);
        }
        _allFlat = flat;
        if (!flat) IndexScoped(fn);
        _rangePrefixes = new string[_ranges.Count];
        _rangeLists = new List<RegisterDecl>[_ranges.Count];
        int k = 0;
        foreach (var (prefix, list) in _ranges)
        {
            _rangePrefixes[k] = prefix;
            _rangeLists[k++] = list;
        }
        var first = fn.Instructions.Count > 0 ? fn.Instructions[0].Span : default;
        _declaredUpFront = !first.IsEmpty && fn.RegisterDecls.All(d => !Before(first, d.Span));
    }

    /// <summary>
    /// The declaration of register <paramref name="name"/> visible at instruction <paramref name="instructionIndex"/>
    /// (the innermost one); null when it is not declared there. Special registers are not declared: ask
    /// <see cref="RegisterOperand.IsSpecial"/> first.
    /// </summary>
    public RegisterDecl? Register(string name, int instructionIndex)
    {
        RegisterDecl? decl;
        // the operands of a function share their name strings: the last answer for this very string object, first
        int slot = RegisterIndex.RecentSlot(name, RecentSize - 1);
        if (ReferenceEquals(_recentNames[slot], name)) decl = _recentDecls[slot];
        else if (_allFlat)
        {
            // no declaration is block-scoped: the answer is the same wherever it is asked
            decl = LookupFlat(name);
            _recentNames[slot] = name;
            _recentDecls[slot] = decl;
        }
        else
        {
            // a name no block-scoped declaration could declare has the same declaration wherever it is asked: it
            // goes into the recent answers (no memo of every name: in a function of 100k registers that dictionary
            // was most of the table's allocation, for a lookup of a few hashes)
            decl = Lookup(name, instructionIndex, out bool scoped);
            if (!scoped)
            {
                _recentNames[slot] = name;
                _recentDecls[slot] = decl;
            }
        }
        // ptxas reads a function once: a register declared after the instruction is not yet declared there
        if (decl is not null && !_declaredUpFront && instructionIndex >= 0 && instructionIndex < _fn.Instructions.Count && Before(_fn.Instructions[instructionIndex].Span, decl.Span))
            return null;
        return decl;
    }

    private static bool Before(Diagnostics.SourceSpan a, Diagnostics.SourceSpan b) =>
        !a.IsEmpty && !b.IsEmpty && (a.StartLine < b.StartLine || (a.StartLine == b.StartLine && a.StartColumn < b.StartColumn));

    private RegisterDecl? Lookup(string name, int instructionIndex) => Lookup(name, instructionIndex, out _);

    /// <summary>
    /// <see cref="Lookup(string, int, out bool)"/> for a function without block-scoped registers: a single register's
    /// first declaration, else the first range of the name's prefix that covers its number.
    /// </summary>
    private RegisterDecl? LookupFlat(string name)
    {
        int end = RegisterNames.NumberStart(name);
        if (_singles.Count > 0 && (end < 0 || _singleEndsInDigit) && _singles.TryGetValue(name, out var singles)) return singles[0];
        if (_rangePrefixes.Length == 0) return null;
        if (end < 0) return null;
        int n = RegisterNames.Number(name, end);
        if (n < 0) return null;
        var prefix = name.AsSpan(0, end);
        for (int k = 0; k < _rangePrefixes.Length; k++)
        {
            if (!prefix.SequenceEqual(_rangePrefixes[k])) continue;
            foreach (var d in CollectionsMarshal.AsSpan(_rangeLists[k]))
                if (n < d.Count) return d;
            return null;
        }
        return null;
    }

    // ---- functions with block-scoped registers: the declarations by the block that makes them, so that a lookup walks
    // the blocks around the instruction (a few) instead of every declaration of the name (inline asm repeats
    // `{ .reg .pred p; ... }` in every expansion: a scan of all of them per lookup is quadratic)
    private Dictionary<(BlockScope, string), RegisterDecl>? _scopedSingles;      // the first per block and name
    private Dictionary<(BlockScope, string), List<RegisterDecl>>? _scopedRanges; // per block and prefix, in order
    private Dictionary<string, RegisterDecl>? _topSingles;                      // the first function-level one per name
    private Dictionary<string, List<RegisterDecl>>? _topRanges;                 // function-level, per prefix, in order
    private HashSet<string>? _scopedNames, _scopedPrefixes;                     // names/prefixes some block declares
    private BlockScope?[]? _scopeAt;                                            // the innermost block of each instruction

    private void IndexScoped(PtxFunction fn)
    {
        _scopedSingles = new();
        _scopedRanges = new();
        _topSingles = new(StringComparer.Ordinal);
        _topRanges = new(StringComparer.Ordinal);
        _scopedNames = new(StringComparer.Ordinal);
        _scopedPrefixes = new(StringComparer.Ordinal);
        foreach (var d in fn.RegisterDecls)
        {
            if (d.Count is null)
            {
                if (d.Scope is { } sc) { _scopedSingles.TryAdd((sc, d.Prefix), d); _scopedNames.Add(d.Prefix); }
                else _topSingles.TryAdd(d.Prefix, d);
                continue;
            }
            if (d.Scope is { } rs)
            {
                if (!_scopedRanges.TryGetValue((rs, d.Prefix), out var list)) _scopedRanges[(rs, d.Prefix)] = list = new List<RegisterDecl>(1);
                list.Add(d);
                _scopedPrefixes.Add(d.Prefix);
            }
            else
            {
                if (!_topRanges.TryGetValue(d.Prefix, out var list)) _topRanges[d.Prefix] = list = new List<RegisterDecl>(1);
                list.Add(d);
            }
        }
    }

    private BlockScope? ScopeAt(int instructionIndex)
    {
        if (_scopeAt is null)
        {
            // blocks are listed in the order they open, so an inner block overwrites the one around it
            var at = new BlockScope?[_fn.Instructions.Count];
            foreach (var sc in _fn.Scopes)
                for (int i = Math.Max(0, sc.Start), end = Math.Min(sc.End, at.Length); i < end; i++) at[i] = sc;
            _scopeAt = at;
        }
        return _scopeAt[instructionIndex];
    }

    private static RegisterDecl? FirstCovering(List<RegisterDecl>? decls, int n)
    {
        if (decls is null || n < 0) return null;
        foreach (var d in CollectionsMarshal.AsSpan(decls))
            if (n < d.Count) return d;
        return null;
    }

    /// <summary>
    /// <see cref="Lookup(string, int, out bool)"/> in a function with block-scoped registers, at an instruction: the
    /// declaration of the innermost block around it that declares the name (a single register before a range of
    /// the same block), else the function-level one; the same answer as the scan over all declarations.
    /// </summary>
    private RegisterDecl? LookupScoped(string name, int instructionIndex, out bool scoped)
    {
        int end = RegisterNames.NumberStart(name);
        string? prefix = null;
        int n = -1;
        if (end > 0)
        {
            if (_ranges.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(name.AsSpan(0, end), out var key, out _))
            {
                prefix = key;
                n = RegisterNames.Number(name, end);
            }
        }
        scoped = _scopedNames!.Contains(name) || prefix is not null && _scopedPrefixes!.Contains(prefix);
        if (scoped)
            for (var sc = ScopeAt(instructionIndex); sc is not null; sc = sc.Parent)
            {
                if (_scopedSingles!.TryGetValue((sc, name), out var single)) return single;
                if (prefix is not null && FirstCovering(_scopedRanges!.GetValueOrDefault((sc, prefix)), n) is { } ranged) return ranged;
            }
        if (_topSingles!.TryGetValue(name, out var top)) return top;
        return prefix is null ? null : FirstCovering(_topRanges!.GetValueOrDefault(prefix), n);
    }

    /// <summary><paramref name="scoped"/>: some declaration of the name's single or range form is inside a { } block (the answer depends on where).</summary>
    private RegisterDecl? Lookup(string name, int instructionIndex, out bool scoped)
    {
        if (!_allFlat && instructionIndex >= 0 && instructionIndex < _fn.Instructions.Count)
            return LookupScoped(name, instructionIndex, out scoped);
        RegisterDecl? best = null;
        scoped = false;
        if (_singles.TryGetValue(name, out var singles))
        {
            best = Innermost(singles, instructionIndex, best);
            if (!_allFlat) foreach (var d in CollectionsMarshal.AsSpan(singles)) scoped |= d.Scope is not null;
        }
        int end = RegisterNames.NumberStart(name);
        if (end > 0 && _ranges.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(name.AsSpan(0, end), out var ranges))
        {
            if (!_allFlat) foreach (var d in CollectionsMarshal.AsSpan(ranges)) scoped |= d.Scope is not null;
            int n = RegisterNames.Number(name, end);
            if (n >= 0)
                foreach (var d in CollectionsMarshal.AsSpan(ranges))
                    if (n < d.Count && Visible(d, instructionIndex) && (best is null || Deeper(d, best))) best = d;
        }
        return best;
    }

    private static RegisterDecl? Innermost(List<RegisterDecl> decls, int at, RegisterDecl? best)
    {
        foreach (var d in CollectionsMarshal.AsSpan(decls))
            if (Visible(d, at) && (best is null || Deeper(d, best))) best = d;
        return best;
    }

    private static bool Visible(RegisterDecl d, int at) => d.Scope is null || d.Scope.Contains(at);

    private static bool Deeper(RegisterDecl a, RegisterDecl b) => Depth(a.Scope) > Depth(b.Scope);

    private static int Depth(BlockScope? s)
    {
        int n = 0;
        for (; s is not null; s = s.Parent) n++;
        return n;
    }

    /// <summary>A register declared anywhere in the function by that name (ignoring scopes), or null.</summary>
    public RegisterDecl? AnyRegister(string name) => Lookup(name, -1);

    /// <summary>The variable a name refers to: the function's own (<c>.local</c>, <c>.shared</c>, call <c>.param</c>) first, then the module's.</summary>
    public VariableSymbol? Variable(string name) => _fn.FindVariable(name);

    /// <summary>The parameter of this function (inputs, then return parameters) with that name.</summary>
    public Parameter? Parameter(string name) =>
        _fn.Parameters.FirstOrDefault(p => p.Name == name) ?? _fn.ReturnParameters.FirstOrDefault(p => p.Name == name);

    /// <summary>The function (declaration or definition) of the module with that name.</summary>
    public PtxFunction? Function(string name)
    {
        _functions ??= _fn.Module.Functions.GroupBy(f => f.Name, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.FirstOrDefault(f => f.HasBody) ?? g.First(), StringComparer.Ordinal);
        return _functions.TryGetValue(name, out var f) ? f : null;
    }

    /// <summary>True when a name is declared as anything an operand can name (variable, parameter, function, label).</summary>
    public bool IsDeclared(string name) =>
        Variable(name) is not null || Parameter(name) is not null || Function(name) is not null || _fn.Labels.ContainsKey(name)
        || _fn.CallPrototypes.ContainsKey(name) || _fn.CallTargets.ContainsKey(name) || _fn.BranchTargets.ContainsKey(name);
}
