using PtxLint.Diagnostics;
using PtxLint.Ir;
using PtxLint.Semantics;

namespace PtxLint.Syntax;

/// <summary>What <see cref="IrBuilder"/> knows about the function it is building: registers, labels, scopes, the current .loc.</summary>
internal sealed class FunctionState
{
    public required PtxFunction Fn;
    public readonly HashSet<string> SingleRegs = new(StringComparer.Ordinal);
    public readonly HashSet<string> RegPrefixes = new(StringComparer.Ordinal);
    public DebugLoc? CurrentLoc;

    // ---- labels: a label declared inside a nested { } block is visible in that block only (inline asm repeats
    // `waitLoop:` in every expansion). A label that collides with one already defined elsewhere in the function
    // gets an internal unique name (`waitLoop%2`), and the block's references to it are bound to that name.
    private List<Dictionary<string, string>>? _scopes;
    /// <summary>Registers declared by name in each open block (they leave <see cref="SingleRegs"/> with it), or null.</summary>
    private List<List<string>?>? _blockRegs;

    /// <summary>The innermost open { } block (null at function level): declarations made now are visible in it only.</summary>
    public BlockScope? Block;

    public void EnterScope(SourceSpan brace)
    {
        (_scopes ??= new()).Add(new Dictionary<string, string>(StringComparer.Ordinal));
        (_blockRegs ??= new()).Add(null);
        Block = new BlockScope(Fn.Instructions.Count, Block, brace);
        Fn.Scopes.Add(Block);
    }

    /// <summary>A register declared by name (<c>.reg .pred p;</c>) in the current block or function.</summary>
    public void DeclareSingle(string name)
    {
        if (SingleRegs.Add(name) && _blockRegs is { Count: > 0 })
            (_blockRegs[^1] ??= new()).Add(name);
    }

    /// <summary>Leaves a block: its registers go out of scope; references inside it to a renamed label of the block (forward jumps) are rebound.</summary>
    public void ExitScope(int firstInstruction)
    {
        Block!.End = Fn.Instructions.Count;
        Block = Block.Parent;
        if (_blockRegs![^1] is { } declared)
            foreach (var r in declared) SingleRegs.Remove(r);
        _blockRegs.RemoveAt(_blockRegs.Count - 1);
        var scope = _scopes![^1];
        _scopes.RemoveAt(_scopes.Count - 1);
        bool renamed = false;
        foreach (var (original, unique) in scope)
            if (original != unique) { renamed = true; break; }
        if (!renamed) return;
        // one pass over the block's instructions (not one per renamed label: a block with thousands of them stays linear)
        for (int i = firstInstruction; i < Fn.Instructions.Count; i++)
        {
            var ops = Fn.Instructions[i].Operands.Writable;
            for (int k = 0; k < ops.Length; k++)
                if (ops[k] is SymbolOperand { Offset: 0 } so && scope.TryGetValue(so.Name, out var unique) && unique != so.Name)
                    ops[k] = new SymbolOperand(unique) { Span = so.Span };
        }
    }

    /// <summary>The next suffix to try for a label name that collides (<c>waitLoop%2</c>, <c>%3</c> ...): no rescans from 2.</summary>
    private Dictionary<string, int>? _nextSuffix;

    /// <summary>The label a name refers to here: the innermost block's own label of that name, else the name.</summary>
    public string ResolveLabel(string name)
    {
        if (_scopes is null) return name;
        for (int i = _scopes.Count - 1; i >= 0; i--)
            if (_scopes[i].TryGetValue(name, out var unique)) return unique;
        return name;
    }

    /// <summary>Defines a label at the current instruction; a duplicate in the same scope is a syntax error (the first stays).</summary>
    public SyntaxError? DefineLabel(string name, SourceSpan span)
    {
        var fn = Fn;
        string unique = name;
        if (_scopes is { Count: > 0 })
        {
            var scope = _scopes[^1];
            if (scope.TryGetValue(name, out var existing))
                return new SyntaxError(span, $"duplicate label '{name}' in {fn.Name} (first defined at line {fn.LabelSpans[existing].StartLine})");
            if (fn.Labels.ContainsKey(unique))
            {
                _nextSuffix ??= new(StringComparer.Ordinal);
                int k = _nextSuffix.GetValueOrDefault(name, 2);
                do unique = $"{name}%{k++}"; while (fn.Labels.ContainsKey(unique));
                _nextSuffix[name] = k;
            }
            scope[name] = unique;
        }
        else if (fn.LabelSpans.TryGetValue(name, out var first))
        {
            return new SyntaxError(span, $"duplicate label '{name}' in {fn.Name} (first defined at line {first.StartLine})");
        }
        fn.Labels[unique] = fn.Instructions.Count;
        fn.LabelSpans[unique] = span;
        return null;
    }

    private readonly Dictionary<string, RegisterOperand> _plainRegs = new(StringComparer.Ordinal);
    private Dictionary<(string, string?, bool), RegisterOperand>? _otherRegs;

    /// <summary>
    /// The register operand for a name, shared by every mention in the function (operands are immutable, and a
    /// register is identified by its name): this keeps the IR small. Shared register operands carry no span;
    /// the instruction's span locates them. Guards get their own operand (see the parsers).
    /// </summary>
    public RegisterOperand Reg(string name, string? component, bool negated)
    {
        if (component is null && !negated)
        {
            if (_rangeCount > 0 && RangeReg(name) is { } ranged) return ranged;
            if (!_plainRegs.TryGetValue(name, out var r))
                _plainRegs[name] = r = IrBuilder.MakeRegister(name, null, false, default);
            return r;
        }
        _otherRegs ??= new();
        var key = (name, component, negated);
        if (!_otherRegs.TryGetValue(key, out var o))
            _otherRegs[key] = o = IrBuilder.MakeRegister(name, component, negated, default);
        return o;
    }
    // ---- registers of declared ranges (.reg .b32 %r<120>;): found by prefix and number, no hashing of the whole
    // name and no dictionary entry per register (nvcc's PTX defines a new register in almost every instruction).
    // A function has a handful of prefixes (%r, %rd, %f, %fd, %p, %rs): a linear match on them beats hashing.
    private string[] _rangePrefixes = Array.Empty<string>();
    // per prefix: the operands numbered below RegisterCache.MaxNumbers, in the thread's own array for the prefix (shared
    // by every function the thread parses) or, when the thread keeps no more prefixes, in an array of the function's that
    // grows with the registers used; the numbers from MaxNumbers on are the function's, in _rangeHigh.
    private RegisterOperand?[][] _rangeSlots = Array.Empty<RegisterOperand?[]>();
    private RegisterOperand?[]?[] _rangeHigh = Array.Empty<RegisterOperand?[]?>();
    private int[] _rangeLimits = Array.Empty<int>();
    private int _rangeCount;

    /// <summary>Ranges longer than this are looked up by name like single registers.</summary>
    private const int MaxRangeSlots = 1 << 18;

    /// <summary>
    /// Records a <c>%r&lt;n&gt;</c> declaration: <paramref name="prefix"/> followed by 0..n-1 names a register.
    /// The numbers below <see cref="RegisterCache.MaxNumbers"/> use the thread's array for the prefix (no array per
    /// function); past it, or when the thread keeps no more prefixes, the function's own array grows with the
    /// registers actually used, not with the declared count (a declaration of a huge range costs nothing until its
    /// registers appear).
    /// </summary>
    public void DeclareRange(string prefix, int count)
    {
        RegPrefixes.Add(prefix);
        if (count <= 0 || count > MaxRangeSlots) return;
        int k = Array.IndexOf(_rangePrefixes, prefix, 0, _rangeCount);
        if (k >= 0)
        {
            _rangeLimits[k] = Math.Max(_rangeLimits[k], count);
            return;
        }
        if (_rangeCount == _rangePrefixes.Length)
        {
            int size = Math.Max(4, _rangeCount * 2);
            Array.Resize(ref _rangePrefixes, size);
            Array.Resize(ref _rangeSlots, size);
            Array.Resize(ref _rangeHigh, size);
            Array.Resize(ref _rangeLimits, size);
        }
        _rangePrefixes[_rangeCount] = prefix;
        _rangeLimits[_rangeCount] = count;
        _rangeHigh[_rangeCount] = null;
        _rangeSlots[_rangeCount++] = RegisterCache.SlotsFor(prefix) ?? new RegisterOperand?[Math.Min(count, 64)];
    }

    private static bool SamePrefix(ReadOnlySpan<char> a, string b)
    {
        // prefixes are two or three characters: a plain loop beats the vectorized comparison's setup
        if (a.Length != b.Length) return false;
        for (int i = 0; i < a.Length; i++)
            if (a[i] != b[i]) return false;
        return true;
    }

    /// <summary>The shared operand of a register in a declared range (<c>%rd12</c>), or null.</summary>
    [System.Runtime.CompilerServices.MethodImpl(PtxLint.Syntax.JitHints.Hot)]
    public RegisterOperand? RangeReg(ReadOnlySpan<char> name)
    {
        if (_rangeCount == 0) return null;
        // "%r01" is not "%r1": a leading zero is a different name; past six digits, the name's own operand
        if (!RegisterNames.TrySplit(name, out int end, out int n) || n >= 1_000_000) return null;
        var prefix = name[..end];
        for (int k = 0; k < _rangeCount; k++)
        {
            if (!SamePrefix(prefix, _rangePrefixes[k])) continue;
            if (n >= _rangeLimits[k]) return null;
            if (n >= RegisterCache.MaxNumbers) return HighReg(k, name, n - RegisterCache.MaxNumbers);
            var slots = _rangeSlots[k];
            if (n >= slots.Length)
            {
                // the function's own array (the thread's holds every number below MaxNumbers)
                Array.Resize(ref _rangeSlots[k], (int)Math.Min(Math.Min(_rangeLimits[k], RegisterCache.MaxNumbers), Math.Max(2L * slots.Length, n + 1L)));
                slots = _rangeSlots[k];
            }
            return slots[n] ??= IrBuilder.MakeRegister(name.ToString(), null, false, default);
        }
        return null;
    }

    /// <summary>The function's operand of a register numbered from <see cref="RegisterCache.MaxNumbers"/> on (<paramref name="high"/> past it).</summary>
    private RegisterOperand HighReg(int k, ReadOnlySpan<char> name, int high)
    {
        ref var own = ref _rangeHigh[k];
        own ??= new RegisterOperand?[Math.Min(_rangeLimits[k] - RegisterCache.MaxNumbers, Math.Max(64, high + 1))];
        if (high >= own.Length) Array.Resize(ref own, (int)Math.Min(_rangeLimits[k] - RegisterCache.MaxNumbers, Math.Max(2L * own.Length, high + 1L)));
        return own[high] ??= IrBuilder.MakeRegister(name.ToString(), null, false, default);
    }

    public string? PendingLabel;
    private Dictionary<(int, int, int), DebugLoc>? _inlineContexts;

    /// <summary>
    /// Sets <see cref="CurrentLoc"/> from a <c>.loc</c> directive. Nested inlining is written as a run of
    /// <c>.loc</c> directives, outermost first (<c>.loc 1 28 5, function_name f, inlined_at 1 40 3</c> then
    /// <c>.loc 2 13 25, function_name g, inlined_at 1 28 5</c>): an <c>inlined_at</c> that names a place seen
    /// earlier with its own <c>inlined_at</c> continues that chain, so the chain reaches the outermost call site.
    /// </summary>
    public void SetLoc(DebugLoc? loc)
    {
        if (loc is null) return;
        if (loc.InlinedAt is { } at)
        {
            if (_inlineContexts is not null && _inlineContexts.TryGetValue((at.File, at.Line, at.Column), out var outer))
                loc = loc with { InlinedAt = outer };
            (_inlineContexts ??= new())[(loc.File, loc.Line, loc.Column)] = loc;
        }
        CurrentLoc = loc;
    }

    public bool IsRegisterName(string name)
    {
        if (name.Length > 0 && name[0] == '%') return true;
        if (SingleRegs.Count > 0 && SingleRegs.Contains(name)) return true;
        if (RegPrefixes.Count == 0) return false;
        int end = RegisterNames.NumberStart(name);
        return end > 0 && RegPrefixes.GetAlternateLookup<ReadOnlySpan<char>>().Contains(name.AsSpan(0, end));
    }
}

/// <summary>
/// Register operands without a span are immutable and mean the same in every function, so a thread keeps the
/// ones of declared ranges (<c>%r0</c> to <c>%r8191</c> of up to 16 prefixes) and hands the same object to every
/// function it parses: nvcc numbers registers from 1 in every kernel, so most functions create none. Bounded:
/// at most 16 x 8192 operands per thread.
/// </summary>
internal static class RegisterCache
{
    public const int MaxNumbers = 8192;
    private const int MaxPrefixes = 16;

    [ThreadStatic] private static Dictionary<string, RegisterOperand?[]>? t_cache;

    /// <summary>
    /// The thread's operands of a prefix by number (<paramref name="prefix"/>0 to <paramref name="prefix"/>8191), filled
    /// by the functions that use them; null when the thread keeps <see cref="MaxPrefixes"/> others already.
    /// </summary>
    public static RegisterOperand?[]? SlotsFor(string prefix)
    {
        var cache = t_cache ??= new Dictionary<string, RegisterOperand?[]>(StringComparer.Ordinal);
        if (cache.TryGetValue(prefix, out var slots)) return slots;
        if (cache.Count >= MaxPrefixes) return null;
        return cache[prefix] = new RegisterOperand?[MaxNumbers];
    }
}
