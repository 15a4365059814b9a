using PtxLint.Diagnostics;

namespace PtxLint.Ir;

/// <summary>PTX state spaces.</summary>
public enum StateSpace
{
    None,
    Generic,
    Reg,
    SReg,
    Const,
    Global,
    Local,
    Param,
    Shared,         // .shared and .shared::cta
    SharedCluster,  // .shared::cluster
    Tex,
    TensorMemory,   // tcgen05 tensor memory addresses
}

public static class StateSpaces
{
    public static bool IsShared(this StateSpace s) => s is StateSpace.Shared or StateSpace.SharedCluster;

    /// <summary>Parses a modifier such as <c>.shared::cta</c> into a state space; None when it is not one.</summary>
    public static StateSpace Parse(string modifier) => modifier switch
    {
        ".shared" or ".shared::cta" => StateSpace.Shared,
        ".shared::cluster" => StateSpace.SharedCluster,
        ".global" => StateSpace.Global,
        ".local" => StateSpace.Local,
        ".param" or ".param::entry" or ".param::func" => StateSpace.Param,
        ".const" => StateSpace.Const,
        ".reg" => StateSpace.Reg,
        ".sreg" => StateSpace.SReg,
        ".tex" => StateSpace.Tex,
        ".generic" => StateSpace.Generic,
        _ => StateSpace.None,
    };
}

/// <summary>A syntax error (finding PTX000) found while parsing.</summary>
public sealed record SyntaxError(SourceSpan Span, string Message)
{
    /// <summary>How to fix this occurrence (the finding's <c>help:</c> line), or null.</summary>
    public string? Help { get; init; }
    /// <summary>Explanations behind the message (the finding's <c>note:</c> lines).</summary>
    public IReadOnlyList<string> Notes { get; init; } = Array.Empty<string>();
}

/// <summary>A <c>.loc</c> debug location: file index, line, column, and the inlined-at chain.</summary>
public sealed record DebugLoc(int File, int Line, int Column, DebugLoc? InlinedAt = null, string? FunctionName = null);

/// <summary>A variable declared at module scope or inside a function (.global, .shared, .const, .local, .tex ...).</summary>
public sealed class VariableSymbol
{
    public required string Name { get; init; }
    public required StateSpace Space { get; init; }
    /// <summary>Element type directive, e.g. <c>.b8</c>, <c>.f32</c>, <c>.u64</c>, <c>.texref</c>.</summary>
    public string? TypeName { get; init; }
    /// <summary>Bytes of one scalar element (.f32 = 4), 0 when unknown.</summary>
    public int ElementSize { get; init; }
    /// <summary>Vector width from <c>.v2/.v4</c>, 1 otherwise.</summary>
    public int VectorWidth { get; init; } = 1;
    /// <summary>Product of the array dimensions; 1 for scalars; null for unsized arrays (<c>smem[]</c>).</summary>
    public long? ElementCount { get; init; }
    public int? Alignment { get; init; }
    /// <summary>Declared size in bytes (ElementSize × VectorWidth × ElementCount); null when unsized or unknown.</summary>
    public long? ByteSize => ElementCount is long n && ElementSize > 0 ? n * ElementSize * VectorWidth : null;
    public bool IsExtern { get; init; }
    public bool IsVisible { get; init; }
    public bool HasInitializer { get; init; }
    public SourceSpan Span { get; init; }
    /// <summary>The function that declares it, or null at module scope.</summary>
    public PtxFunction? Owner { get; init; }
    /// <summary>The initializer's values (<c>= {1, 2}</c>), evaluated as constant expressions; null when there is none.</summary>
    public Initializer? Initializer { get; init; }
    /// <summary>The nested { } block that declares it (visible there only); null at module or function level.</summary>
    public BlockScope? Scope { get; init; }
    /// <summary>True when an array size is an expression (<c>[4*64]</c>), not an integer literal: the ISA allows it, ptxas 13 does not.</summary>
    public bool SizeIsExpression { get; init; }
    /// <summary>Where the size expression is (for the finding), when <see cref="SizeIsExpression"/>.</summary>
    public SourceSpan SizeSpan { get; init; }
    public override string ToString() => $"{Space} {TypeName} {Name}" + (ElementCount is null ? "[]" : ElementCount == 1 ? "" : $"[{ElementCount}]");
}

/// <summary>A kernel or function parameter.</summary>
public sealed class Parameter
{
    public required string Name { get; init; }
    public required int Index { get; init; }
    /// <summary>Type directive, e.g. <c>.u64</c>, <c>.b8</c>.</summary>
    public string? TypeName { get; init; }
    public int ElementSize { get; init; }
    public long ElementCount { get; init; } = 1;
    public long ByteSize => ElementSize * ElementCount;
    public int? Alignment { get; init; }
    /// <summary>True for <c>.ptr</c> parameters.</summary>
    public bool IsPointerAttr { get; init; }
    /// <summary>The state space named after <c>.ptr</c> (.global, .shared ...), or None.</summary>
    public StateSpace PointeeSpace { get; init; }
    /// <summary>.param (kernel/func params) or .reg (old-style func params).</summary>
    public StateSpace Space { get; init; } = StateSpace.Param;
    /// <summary>True for an array parameter without a size (<c>.param .b8 p[]</c>).</summary>
    public bool IsIncompleteArray { get; init; }
    public SourceSpan Span { get; init; }
    public override string ToString() => $"{TypeName} {Name}";
}

/// <summary>A register declaration: <c>.reg .b32 %r&lt;6&gt;;</c> (Count = 6, Prefix = %r) or a single name.</summary>
public sealed class RegisterDecl
{
    public required string Prefix { get; init; }
    /// <summary>Number of registers for the <c>%r&lt;n&gt;</c> form; null for a single register named <see cref="Prefix"/>.</summary>
    public int? Count { get; init; }
    public required string TypeName { get; init; }
    /// <summary>Width in bits (.pred = 1, .b32 = 32, .v2.b32 = 64 ...).</summary>
    public int Bits { get; init; }
    public SourceSpan Span { get; init; }
    /// <summary>The nested { } block that declares it (visible there only); null for a function-level declaration.</summary>
    public BlockScope? Scope { get; init; }
}

/// <summary>A nested <c>{ }</c> block of a function body; its instructions are <see cref="Start"/> to <see cref="End"/> - 1.</summary>
public sealed class BlockScope(int start, BlockScope? parent, SourceSpan brace)
{
    public int Start { get; } = start;
    public int End { get; internal set; } = int.MaxValue;
    public BlockScope? Parent { get; } = parent;
    /// <summary>Where its opening brace is.</summary>
    public SourceSpan Span { get; } = brace;
    /// <summary>True when the instruction with this index is inside the block (so the block's declarations are visible to it).</summary>
    public bool Contains(int instructionIndex) => instructionIndex >= Start && instructionIndex < End;
}

/// <summary>A PTX module: one file.</summary>
public sealed class PtxModule
{
    public PtxModule(string filePath, SourceText source)
    {
        FilePath = filePath;
        Source = source;
    }

    public string FilePath { get; }
    public SourceText Source { get; }
    /// <summary>ISA version from <c>.version</c> (e.g. 9.0), null when missing.</summary>
    public Version? PtxVersion { get; set; }
    public SourceSpan VersionSpan { get; set; }
    public List<string> Targets { get; } = new();
    public SourceSpan TargetSpan { get; set; }
    /// <summary>From <c>.address_size</c>; 32 when absent in old PTX, 64 when absent otherwise (ptxas' default is 32 before ISA 2.3).</summary>
    public int AddressSize { get; set; } = 64;
    public bool HasAddressSizeDirective { get; set; }
    public SourceSpan AddressSizeSpan { get; set; }
    /// <summary>The first <c>.file</c> directive with a timestamp and file size (PTX ISA 3.2 and later), or empty.</summary>
    public SourceSpan FileTimestampSpan { get; set; }
    public Dictionary<string, VariableSymbol> Globals { get; } = new(StringComparer.Ordinal);
    /// <summary>Every module-scope variable declaration in source order, repeated names included (<see cref="Globals"/> keeps the last).</summary>
    public List<VariableSymbol> GlobalDeclarations { get; } = new();
    /// <summary>Where each <c>.version</c> directive is (a module has exactly one).</summary>
    public List<SourceSpan> VersionDirectives { get; } = new();
    /// <summary>Where each <c>.target</c> directive is (a module has exactly one).</summary>
    public List<SourceSpan> TargetDirectives { get; } = new();
    /// <summary>The first character outside ASCII (ptxas rejects it, comments included); empty when there is none.</summary>
    public SourceSpan FirstNonAscii { get; set; }
    /// <summary>How many lines have a character outside ASCII.</summary>
    public int NonAsciiLines { get; set; }
    public List<PtxFunction> Functions { get; } = new();
    /// <summary><c>.file</c> index to path.</summary>
    public Dictionary<int, string> Files { get; } = new();
    public List<SyntaxError> Errors { get; } = new();

    /// <summary>The first <c>sm_XX</c> target, e.g. <c>sm_90a</c>.</summary>
    public string? SmTarget => Targets.FirstOrDefault(t => t.StartsWith("sm_", StringComparison.Ordinal));

    public PtxFunction? FindFunction(string name) => Functions.FirstOrDefault(f => f.Name == name);

    public IEnumerable<PtxFunction> Kernels => Functions.Where(f => f.IsEntry && f.HasBody);

    public Location LocationOf(SourceSpan span) => new(FilePath, span);
}

/// <summary>Directive values that tune a kernel (<c>.maxntid 256,1,1</c>, <c>.reqntid</c> ...).</summary>
public sealed class PerformanceDirectives
{
    public int[]? MaxNtid { get; set; }
    public int[]? ReqNtid { get; set; }
    public int? MaxNReg { get; set; }
    public int? MinNCtaPerSm { get; set; }
    public int? MaxNCtaPerSm { get; set; }
    public int[]? ReqNCtaPerCluster { get; set; }
    public bool NoReturn { get; set; }
    public bool ExplicitCluster { get; set; }
    public List<string> Pragmas { get; } = new();
}
