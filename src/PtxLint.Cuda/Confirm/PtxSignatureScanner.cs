using System.Globalization;
using System.Text.RegularExpressions;
using PtxLint.Ir;

namespace PtxLint.Cuda.Confirm;

/// <summary>
/// A small text scanner for what confirmation needs from a module when the full parser is not at hand:
/// <c>.version</c>, <c>.target</c>, <c>.address_size</c>, and each kernel's name, parameters and
/// <c>.reqntid/.maxntid</c>. The functions it makes have no instructions.
/// </summary>
public static partial class PtxSignatureScanner
{
    [GeneratedRegex(@"/\*.*?\*/", RegexOptions.Singleline)]
    private static partial Regex BlockComment();
    [GeneratedRegex(@"//[^\n]*")]
    private static partial Regex LineComment();
    [GeneratedRegex(@"^\s*\.version\s+(\d+)\.(\d+)", RegexOptions.Multiline)]
    private static partial Regex VersionRx();
    [GeneratedRegex(@"^\s*\.target\s+([^\n;]+)", RegexOptions.Multiline)]
    private static partial Regex TargetRx();
    [GeneratedRegex(@"^\s*\.address_size\s+(\d+)", RegexOptions.Multiline)]
    private static partial Regex AddressSizeRx();
    [GeneratedRegex(@"\.entry\s+([A-Za-z_$%][\w$]*)\s*(\(([^)]*)\))?([^{;]*)([{;])")]
    private static partial Regex EntryRx();
    [GeneratedRegex(@"\.param\s+(?:\.align\s+(\d+)\s+)?\.(\w+)\s+(?:\.ptr\s+(?:\.(\w+)\s+)?(?:\.align\s+(\d+)\s+)?)?([A-Za-z_$%][\w$]*)\s*(?:\[(\d*)\])?")]
    private static partial Regex ParamRx();
    [GeneratedRegex(@"\.(reqntid|maxntid)\s+(\d+)(?:\s*,\s*(\d+))?(?:\s*,\s*(\d+))?")]
    private static partial Regex NtidRx();

    public static PtxModule Scan(string filePath, string text)
    {
        var module = new PtxModule(filePath, new SourceText(text));
        // keep line structure: replace comments by spaces of the same length
        var code = BlockComment().Replace(text, m => Regex.Replace(m.Value, @"[^\n]", " "));
        code = LineComment().Replace(code, m => new string(' ', m.Length));
        if (VersionRx().Match(code) is { Success: true } v)
            module.PtxVersion = new Version(int.Parse(v.Groups[1].Value), int.Parse(v.Groups[2].Value));
        if (TargetRx().Match(code) is { Success: true } t)
            module.Targets.AddRange(t.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        if (AddressSizeRx().Match(code) is { Success: true } a)
        {
            module.AddressSize = int.Parse(a.Groups[1].Value);
            module.HasAddressSizeDirective = true;
        }
        foreach (Match m in EntryRx().Matches(code))
        {
            var fn = new PtxFunction(module, m.Groups[1].Value, isEntry: true) { HasBody = m.Groups[5].Value == "{" };
            int index = 0;
            if (m.Groups[3].Success)
            {
                foreach (Match p in ParamRx().Matches(m.Groups[3].Value))
                {
                    var type = "." + p.Groups[2].Value;
                    long count = 1;
                    if (p.Groups[6].Success)
                        count = p.Groups[6].Value.Length == 0 ? 0 : long.Parse(p.Groups[6].Value, CultureInfo.InvariantCulture);
                    var align = p.Groups[1].Success ? int.Parse(p.Groups[1].Value) : p.Groups[4].Success ? int.Parse(p.Groups[4].Value) : (int?)null;
                    fn.Parameters.Add(new Parameter
                    {
                        Name = p.Groups[5].Value,
                        Index = index++,
                        TypeName = type,
                        ElementSize = ElementTypes.Size(type),
                        ElementCount = count,
                        Alignment = align,
                        IsPointerAttr = p.Value.Contains(".ptr", StringComparison.Ordinal),
                        PointeeSpace = p.Groups[3].Success ? StateSpaces.Parse("." + p.Groups[3].Value) : StateSpace.None,
                    });
                }
            }
            foreach (Match n in NtidRx().Matches(m.Groups[4].Value))
            {
                var dims = new[] { 2, 3, 4 }.Where(g => n.Groups[g].Success).Select(g => int.Parse(n.Groups[g].Value)).ToArray();
                if (n.Groups[1].Value == "reqntid") fn.Performance.ReqNtid = dims;
                else fn.Performance.MaxNtid = dims;
            }
            module.Functions.Add(fn);
        }
        return module;
    }
}
