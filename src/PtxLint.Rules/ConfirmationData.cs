using PtxLint.Diagnostics;

namespace PtxLint.Rules;

// Typed finding data of PTX001..PTX010, for their confirmers (src/PtxLint.Cuda/Confirm/Confirmers). Each rule attaches its
// record with `f.Data = new ...`; the SARIF writer writes the properties below (the keys the rules wrote before, plus the
// new ones marked "new"), and FromProperties rebuilds the record from a SARIF result (`ptxlint confirm --findings`).
// PTX011/PTX012 keep theirs beside the rule (SharedRaceData, SharedIndexedByBlockData).

/// <summary>PTX001: the 64-bit address register, the space, and the single-vector twin kernel when the rule found one.</summary>
public sealed class SharedAddress64BitData : FindingData
{
    public required string AddressRegister { get; init; }
    public required string Space { get; init; }
    /// <summary>The kernel without Batched/batched_ in its name (new SARIF property <c>twinKernel</c>).</summary>
    public string? TwinKernel { get; init; }

    public override IEnumerable<KeyValuePair<string, object?>> ToProperties()
    {
        yield return new("addressRegister", AddressRegister);
        yield return new("space", Space);
        yield return new("twinKernel", TwinKernel);
    }

    public static SharedAddress64BitData? FromProperties(PropertyReader p) =>
        p.String("addressRegister") is { } r ? new() { AddressRegister = r, Space = p.String("space") ?? ".shared", TwinKernel = p.String("twinKernel") } : null;
}

/// <summary>PTX002: how many global stores ignore %ctaid.y, and the row-count parameter when the rule knows it.</summary>
public sealed class BatchedKernelData : FindingData
{
    public int Stores { get; init; }
    /// <summary>A scalar parameter named like a row count (new SARIF property <c>rowsParameter</c>).</summary>
    public string? RowsParameter { get; init; }

    public override IEnumerable<KeyValuePair<string, object?>> ToProperties()
    {
        yield return new("stores", Stores);
        yield return new("rowsParameter", RowsParameter);
    }

    public static BatchedKernelData FromProperties(PropertyReader p) => new() { Stores = p.Int("stores") ?? 0, RowsParameter = p.String("rowsParameter") };
}

/// <summary>PTX003: the pointer parameter the scatter index is read through, and the by-value position parameter it overrides.</summary>
public sealed class IndirectPositionData : FindingData
{
    /// <summary>The PTX name of the position-buffer parameter (new SARIF property <c>parameter</c>).</summary>
    public required string Parameter { get; init; }
    public required int ParameterIndex { get; init; }
    /// <summary>Its CUDA name when the PTX keeps it (<c>parameterName</c>).</summary>
    public string? ParameterName { get; init; }
    /// <summary>The by-value integer position parameter (PTX name) used when the pointer is null (new: <c>positionParameter</c>).</summary>
    public string? PositionParameter { get; init; }
    public bool NullTestOverride { get; init; }

    public override IEnumerable<KeyValuePair<string, object?>> ToProperties()
    {
        yield return new("parameter", Parameter);
        yield return new("parameterIndex", ParameterIndex);
        yield return new("parameterName", ParameterName);
        yield return new("positionParameter", PositionParameter);
        yield return new("nullTestOverride", NullTestOverride);
    }

    public static IndirectPositionData? FromProperties(PropertyReader p) =>
        p.Int("parameterIndex") is int i
            ? new() { Parameter = p.String("parameter") ?? "", ParameterIndex = i, ParameterName = p.String("parameterName"),
                      PositionParameter = p.String("positionParameter"), NullTestOverride = p.Bool("nullTestOverride") ?? false }
            : null;
}

/// <summary>PTX005: the line of the divergent branch, and whether it is a loop exit (thread-dependent trip count).</summary>
public sealed class DivergentBarrierData : FindingData
{
    public int BranchLine { get; init; }
    public bool LoopExit { get; init; }

    public override IEnumerable<KeyValuePair<string, object?>> ToProperties()
    {
        yield return new("branchLine", BranchLine);
        yield return new("loopExit", LoopExit);
    }

    public static DivergentBarrierData FromProperties(PropertyReader p) => new() { BranchLine = p.Int("branchLine") ?? 0, LoopExit = p.Bool("loopExit") ?? false };
}

/// <summary>PTX006: the variable, its declared size, and the bytes [Offset, Offset + Width) the access touches.</summary>
public sealed class SharedOutOfBoundsData : FindingData
{
    public required string Symbol { get; init; }
    public long SymbolBytes { get; init; }
    public long Offset { get; init; }
    public int Width { get; init; }

    public override IEnumerable<KeyValuePair<string, object?>> ToProperties()
    {
        yield return new("symbol", Symbol);
        yield return new("symbolBytes", SymbolBytes);
        yield return new("offset", Offset);
        yield return new("width", Width);
    }

    public static SharedOutOfBoundsData? FromProperties(PropertyReader p) =>
        p.String("symbol") is { } s && p.Long("offset") is long o
            ? new() { Symbol = s, SymbolBytes = p.Long("symbolBytes") ?? 0, Offset = o, Width = p.Int("width") ?? 0 }
            : null;
}

/// <summary>PTX009: the float type and the space of the atomic.</summary>
public sealed class FloatAtomicData : FindingData
{
    public required string Type { get; init; }
    public required string Space { get; init; }

    public override IEnumerable<KeyValuePair<string, object?>> ToProperties()
    {
        yield return new("type", Type);
        yield return new("space", Space);
    }

    public static FloatAtomicData? FromProperties(PropertyReader p) =>
        p.String("type") is { } t ? new() { Type = t, Space = p.String("space") ?? "" } : null;
}

/// <summary>PTX010: the PTX line of the unrounded mul that ptxas may contract.</summary>
public sealed class ContractibleMulData : FindingData
{
    /// <summary>New SARIF property <c>mulLine</c>.</summary>
    public required int MulLine { get; init; }

    public override IEnumerable<KeyValuePair<string, object?>> ToProperties()
    {
        yield return new("mulLine", MulLine);
    }

    public static ContractibleMulData? FromProperties(PropertyReader p) => p.Int("mulLine") is int l ? new() { MulLine = l } : null;
}
