using System.CommandLine;
using PtxLint.Cuda;
using PtxLint.Cuda.Confirm;
using PtxLint.Cuda.Worker;

namespace PtxLint.Cli.Commands;

/// <summary>
/// <c>ptxlint parity FILE --batched NAME --single NAME [--spec FILE] [--timeout 10s]</c>: launches the batched kernel
/// with one row and its single-vector twin, compares their outputs bit for bit and prints the first differing index.
/// Exit code 0 equal, 1 different, 2 unsupported or error.
/// </summary>
public static class ParityCommand
{
    public static Command Create(IFindingSource? findingSource = null)
    {
        var file = new Argument<FileInfo>("file") { Description = "The PTX file holding both kernels." };
        var batched = new Option<string>("--batched") { Description = "The batched kernel (run with gridDim.y = 1 and its row count = 1).", Required = true };
        var single = new Option<string>("--single") { Description = "The single-vector twin.", Required = true };
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
            var result = await Parity.RunAsync(module, parse.GetValue(batched)!, parse.GetValue(single)!, specs,
                                               new WorkerClient(), parse.GetValue(timeout), ct);
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
            return result.ExitCode;
        });
        return cmd;
    }
}
