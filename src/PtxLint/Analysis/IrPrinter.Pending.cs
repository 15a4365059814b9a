// STAND-IN: IrPrinter.cs lands from the analyses branch. PtxLint.csproj removes this file from the build as
// soon as Analysis/IrPrinter.cs exists; delete it then.
using PtxLint.Ir;

namespace PtxLint.Analysis;

public static class IrPrinter
{
    /// <summary>Stand-in with the real signature.</summary>
    public static string Print(PtxModule module, string? functionName) =>
        $"// {module.FilePath}: the IR printer is not built yet ({module.Functions.Count} functions)\n";
}
