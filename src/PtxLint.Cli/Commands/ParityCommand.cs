using System.CommandLine;
using PtxLint.Cuda;
using PtxLint.Cuda.Confirm;
using PtxLint.Cuda.Worker;

namespace PtxLint.Cli.Commands;

/// <summary>
/// <c>ptxlint parity FILE [--batched NAME --single NAME] [--spec FILE] [--timeout 10s]</c>: launches the batched kernel
/// with one row and its single-vector twin, compares their outputs bit for bit and prints the first differing index.
/// Without names every twin pair (PTX001's naming rule) is checked. Exit code 0 all equal, 1 any different, 2 when a
/// pair could not be checked or none was found.
/// </summary>
public static class ParityCommand
{
    public static Command Create(IFindingSource? findingSource = null)
    {
        var file = new Argument<FileInfo>("file") { Description = "The PTX file holding both kernels." };
        var batched = new Option<string?>("--batched") { Description = "The batched kernel (run with gridDim.y = 1 and its row count = 1). Without --batched/--single, every twin pair is found by name and checked." };
        var single = new Option<string?>("--single") { Description = "The single-vector twin." };
        var spec = new Option<FileInfo?>("--spec") { Description = "Launch spec (default: FILE.ptx.launch.json beside the PTX; else inferred)." };
        var timeout = new Option<TimeSpan>("--timeout")
        {
            Description = "Watchdog for the worker: 10s, 500ms, 2m (default 10s).",
            DefaultValueFactory = _ => TimeSpan.FromSeconds(10),
            CustomParser = r =>
            {
                var token = r.Tokens.Count > 0 ? r.Tokens[^1].Value : "10s";
                if (ConfirmCommand.ParseDuration(token) is { } t) return t;
                r.AddError($"invalid duration '{token}'");
                return default;
            },
        };
        var cmd = new Command("parity", "Check that a batched kernel at one row equals its single-vector twin bit for bit, on the GPU.")
        {
            file, batched, single, spec, timeout,
        };
        cmd.SetAction(async (parse, ct) =>
        {
            var f = parse.GetValue(file)!;
            if (!f.Exists)
            {
                Console.Error.WriteLine($"ptxlint parity: {f.FullName}: no such file");
                return 2;
            }
            var path = f.ToString();
            var text = await File.ReadAllTextAsync(f.FullName, ct);
            LaunchSpecFile? specs;
            try { specs = LaunchSpecFile.LoadFor(path, parse.GetValue(spec)?.FullName); }
            catch (Exception e) when (e is FormatException or IOException)
            {
                Console.Error.WriteLine("ptxlint parity: " + e.Message);
                return 2;
            }
            var module = findingSource?.Parse(path, text) ?? PtxSignatureScanner.Scan(path, text);
            var b = parse.GetValue(batched);
            var sgl = parse.GetValue(single);
            if ((b is null) != (sgl is null))
            {
                Console.Error.WriteLine("ptxlint parity: give both --batched and --single, or neither (then every twin pair is checked)");
                return 2;
            }
            var pairs = b is not null ? new List<(string, string)> { (b, sgl!) } : DiscoverPairs(module);
            if (pairs.Count == 0)
            {
                Console.Error.WriteLine($"ptxlint parity: {path}: no batched/single-vector twin pair (kernels named X_batched/batched_X/XBatched and X)");
                return 2;
            }
            var results = new List<ParityResult>();
            foreach (var (bk, sk) in pairs)
            {
                var result = await Parity.RunAsync(module, bk, sk, specs, new WorkerClient(), parse.GetValue(timeout), ct);
                results.Add(result);
                if (pairs.Count > 1) Console.Out.WriteLine($"== {bk} vs {sk}");
                Print(result);
            }
            if (pairs.Count > 1)
                Console.Out.WriteLine($"{pairs.Count} pairs: {results.Count(r => r.Status == ParityStatus.Equal)} equal, {results.Count(r => r.Status == ParityStatus.Different)} different, " +
                                      $"{results.Count(r => r.Status is ParityStatus.Unsupported or ParityStatus.Error)} not checked");
            // Any mismatch fails the run (CI); otherwise a pair that could not be checked does.
            return results.Any(r => r.Status == ParityStatus.Different) ? 1 : results.Max(r => r.ExitCode);
        });
        return cmd;
    }

    private static void Print(ParityResult result)
    {
        Console.Out.WriteLine(result.Status switch
        {
            ParityStatus.Equal => "parity: equal",
            ParityStatus.Different => "parity: different",
            ParityStatus.Unsupported => "parity: unsupported",
            _ => "parity: error",
        } + ": " + result.Summary);
        if (result.FirstDifference >= 0) Console.Out.WriteLine($"first differing index: {result.FirstDifference}");
        if (result.Evidence.Length > 0)
            foreach (var line in result.Evidence.TrimEnd().Split('\n')) Console.Out.WriteLine("  " + line);
    }

    /// <summary>Every (batched, single) kernel pair of the module by PTX001's naming rule, in source order.</summary>
    internal static List<(string Batched, string Single)> DiscoverPairs(PtxLint.Ir.PtxModule module)
    {
        var list = new List<(string, string)>();
        foreach (var k in module.Kernels)
            if (Parity.FindTwin(module, k.Name) is { } twin && twin != k.Name) list.Add((k.Name, twin));
        return list;
    }
}
