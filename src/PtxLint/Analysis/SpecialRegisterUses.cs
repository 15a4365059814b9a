using PtxLint.Ir;

namespace PtxLint.Analysis;

/// <summary>
/// The special registers a function reads: the ones its instructions use as <see cref="Instruction.Uses"/> lists them
/// (sources, address registers and guards; never a destination), each name and component once. One pass over the
/// function, for the analyses and rules that only ask whether it reads <c>%tid.y</c>, <c>%ctaid.y</c> or
/// <c>%laneid</c>: the race analysis (thread identity, block dimensions), uniformity (1-D blocks), PTX002 and PTX012.
/// </summary>
public sealed class SpecialRegisterUses
{
    private readonly List<RegisterOperand> _distinct = new();

    public SpecialRegisterUses(PtxFunction fn)
    {
        // the function's flat use table, in instruction order: no instruction object touched
        var t = fn.Caches.Tables;
        var uses = t.UseFlat.AsSpan(0, t.UseStart[^1]);
        foreach (var u in uses)
            if (u.IsSpecial && !Reads(u.Name, u.Component, exact: true)) _distinct.Add(u);
    }

    /// <summary>One operand per distinct special register read (name and component), in the order they first appear.</summary>
    public IReadOnlyList<RegisterOperand> Registers => _distinct;

    /// <summary>Some instruction reads the special register <paramref name="name"/> (<c>%tid</c>) with this component (<c>y</c>), or with any component when it is null.</summary>
    public bool Reads(string name, string? component = null) => Reads(name, component, exact: false);

    /// <summary>Some instruction reads the special register named <paramref name="fullName"/> with its component (<c>%ctaid.y</c>).</summary>
    public bool ReadsFullName(string fullName)
    {
        foreach (var r in _distinct)
            if (string.Equals(r.FullName, fullName, StringComparison.Ordinal)) return true;
        return false;
    }

    private bool Reads(string name, string? component, bool exact)
    {
        foreach (var r in _distinct)
            if (string.Equals(r.Name, name, StringComparison.Ordinal)
                && (exact ? string.Equals(r.Component, component, StringComparison.Ordinal) : component is null || string.Equals(r.Component, component, StringComparison.Ordinal)))
                return true;
        return false;
    }
}
