using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text;
using PtxLint.Cuda;
using PtxLint.Cuda.Confirm;
using PtxLint.Cuda.Worker;
using PtxLint.Diagnostics;
using PtxLint.Ir;

namespace PtxLint.Cli.Commands;

/// <summary>
/// <c>ptxlint confirm FILE.ptx [--findings run.sarif] [--kernel NAME] [--spec FILE] [--timeout 10s] [--format text|sarif] [--output FILE]
/// [--rule ID] [--save-spec FILE] [--determinism [--runs N]]</c>: runs each confirmable finding's experiment on the GPU and prints (or
/// writes into SARIF) its verdict. Exit code 0 when the experiments ran (whatever the verdicts), 2 on bad input; with
/// --determinism, 1 when a kernel gave more than one distinct output.
/// </summary>
public static class ConfirmCommand
{
    public static Command Create(IFindingSource? findingSource = null)
    {
        var file = new Argument<FileInfo>("file") { Description = "The PTX file whose findings to confirm." };
        var findings = new Option<FileInfo?>("--findings") { Description = "Read the findings from this SARIF log instead of analyzing the file." };
        var kernel = new Option<string?>("--kernel") { Description = "Only findings in this kernel." };
        var spec = new Option<FileInfo?>("--spec") { Description = "Launch spec (default: FILE.ptx.launch.json beside the PTX; else inferred)." };
        var timeout = new Option<TimeSpan>("--timeout")
        {
            Description = "Watchdog per kernel launch run: 10s, 500ms, 2m (default 10s; probing the device waits at least 60s).",
            DefaultValueFactory = _ => TimeSpan.FromSeconds(10),
            CustomParser = r => ParseDurationArgument(r),
        };
        var format = new Option<string>("--format") { Description = "text or sarif.", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "sarif");
        var output = new Option<FileInfo?>("--output", "-o") { Description = "Write the report to this file instead of stdout." };
        var noSanitizer = new Option<bool>("--no-sanitizer") { Description = "Do not use compute-sanitizer even when it is on PATH." };
        var rule = new Option<string?>("--rule")
        {
            Description = "Also run this rule's experiment (e.g. PTX002) on every kernel (or the --kernel one) that has no finding of it: " +
                          "shows that a fixed kernel comes out not-reproduced.",
        };
        var determinism = new Option<bool>("--determinism")
        {
            Description = "Instead of confirming findings: launch each kernel (or the --kernel one) with the same inputs --runs times and report " +
                          "the number of distinct outputs and the first differing element. Exit code 1 when a kernel is not deterministic.",
        };
        var runs = new Option<int>("--runs")
        {
            Description = "Launches of the same inputs for --determinism (default 30).",
            DefaultValueFactory = _ => 30,
        };
        runs.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 2) r.AddError("--runs must be at least 2");
        });
        var saveSpec = new Option<FileInfo?>("--save-spec")
        {
            Description = "Write the launch specs the experiments used (inferred ones included) to this .launch.json, to edit and pass back with --spec.",
        };

        var cmd = new Command("confirm", "Confirm findings on a real GPU through the CUDA driver API: each verdict is confirmed, not-reproduced, unsupported or error, with evidence.")
        {
            file, findings, kernel, spec, timeout, format, output, noSanitizer, rule, determinism, runs, saveSpec,
        };
        cmd.SetAction(async (parse, ct) =>
        {
            var options = new ConfirmOptions
            {
                Timeout = parse.GetValue(timeout),
                Kernel = parse.GetValue(kernel),
                UseSanitizer = !parse.GetValue(noSanitizer),
                Log = s => Console.Error.WriteLine("confirm: " + s),
            };
            RequestedRule = parse.GetValue(rule);
            SaveSpec = parse.GetValue(saveSpec);
            if (parse.GetValue(determinism))
                return await DeterminismAsync(parse.GetValue(file)!, parse.GetValue(spec), parse.GetValue(runs), parse.GetValue(output), options, findingSource, ct);
            return await RunAsync(parse.GetValue(file)!, parse.GetValue(findings), parse.GetValue(spec), parse.GetValue(format) ?? "text",
                                  parse.GetValue(output), options, findingSource, ct);
        });
        return cmd;
    }

    /// <summary>The --rule of the current invocation (one command line per process).</summary>
    internal static string? RequestedRule { get; set; }

    /// <summary>The --save-spec of the current invocation.</summary>
    internal static FileInfo? SaveSpec { get; set; }

    /// <summary>
    /// <c>confirm FILE --determinism [--runs N]</c>: per kernel, N launches of the same inputs, the number of distinct outputs
    /// and the first differing element. Exit 0 when every kernel is deterministic, 1 when one is not, 2 when none could run.
    /// </summary>
    internal static async Task<int> DeterminismAsync(FileInfo file, FileInfo? specFile, int runs, FileInfo? output, ConfirmOptions options,
                                                     IFindingSource? source, CancellationToken ct, WorkerClient? client = null)
    {
        if (!file.Exists) return Fail($"{file.FullName}: no such file");
        var text = await File.ReadAllTextAsync(file.FullName, ct);
        var path = file.ToString();
        LaunchSpecFile? specs;
        try { specs = LaunchSpecFile.LoadFor(path, specFile?.FullName); }
        catch (Exception e) when (e is FormatException or IOException) { return Fail(e.Message); }
        var module = source?.Parse(path, text) ?? PtxSignatureScanner.Scan(path, text);
        if (options.Kernel is not null && module.FindFunction(options.Kernel) is not { IsEntry: true })
            return Fail($"{path}: no kernel named {options.Kernel}");
        var engine = new ConfirmationEngine(options, client);
        var results = await engine.DeterminismAsync(module, specs, runs, ct);
        var sb = new StringBuilder();
        if (results.Count == 0) sb.AppendLine($"{path}: no kernel to launch");
        foreach (var r in results)
        {
            string word = r.Result is null ? r.Verdict.ToText() : r.Result.Deterministic ? "deterministic" : "nondeterministic";
            sb.AppendLine($"{path}: {r.Kernel}: {word}");
            sb.AppendLine($"  {r.Reason}");
            foreach (var line in r.Evidence.Split('\n')) sb.AppendLine("    " + line.TrimEnd('\r'));
        }
        int nondet = results.Count(r => r.Result is { Deterministic: false });
        int ran = results.Count(r => r.Result is not null);
        sb.AppendLine($"{results.Count} kernels: {ran - nondet} deterministic, {nondet} nondeterministic, {results.Count - ran} not run");
        if (SaveSpec is not null) SaveSpecs(module, specs, SaveSpec);
        if (output is not null) AtomicFile.WriteAllText(output.FullName, sb.ToString());
        else Console.Out.Write(sb.ToString());
        return nondet > 0 ? 1 : ran == 0 && results.Count > 0 ? 2 : 0;
    }

    /// <summary>Writes the launch specs of every kernel (from the spec file, else inferred) as one .launch.json.</summary>
    private static void SaveSpecs(PtxModule module, LaunchSpecFile? specs, FileInfo target)
    {
        var file = new LaunchSpecFile();
        foreach (var k in module.Kernels)
        {
            try { file.Kernels.Add(LaunchSpecInference.Resolve(k, specs)); }
            catch (FormatException e) { Console.Error.WriteLine($"ptxlint confirm: --save-spec: {k.Name}: {e.Message}"); }
        }
        AtomicFile.WriteAllText(target.FullName, file.ToJson() + "\n");
        Console.Error.WriteLine($"ptxlint confirm: wrote the launch specs of {file.Kernels.Count} kernels to {target}");
    }

    internal static async Task<int> RunAsync(FileInfo file, FileInfo? findingsFile, FileInfo? specFile, string format, FileInfo? output,
                                             ConfirmOptions options, IFindingSource? source, CancellationToken ct, WorkerClient? client = null)
    {
        if (!file.Exists) return Fail($"{file.FullName}: no such file");
        var text = await File.ReadAllTextAsync(file.FullName, ct);
        var path = file.ToString();
        LaunchSpecFile? specs;
        try { specs = LaunchSpecFile.LoadFor(path, specFile?.FullName); }
        catch (Exception e) when (e is FormatException or IOException) { return Fail(e.Message); }

        if (RequestedRule is { } enable && source is EngineFindingSource efs) efs.Enable(enable.Trim().ToUpperInvariant());
        PtxModule module;
        IReadOnlyList<Finding> found;
        SarifFindings? sarif = null;
        if (findingsFile is not null)
        {
            if (!findingsFile.Exists) return Fail($"{findingsFile.FullName}: no such file");
            try { sarif = SarifFindings.Read(await File.ReadAllTextAsync(findingsFile.FullName, ct), path); }
            catch (Exception e) when (e is FormatException or System.Text.Json.JsonException or InvalidOperationException) { return Fail($"{findingsFile}: not a SARIF log: {e.Message}"); }
            module = source?.Parse(path, text) ?? PtxSignatureScanner.Scan(path, text);
            found = sarif.Findings;
        }
        else if (source is not null)
        {
            module = source.Parse(path, text);
            found = source.Analyze(module);
        }
        else
        {
            return Fail("this build has no analysis engine wired into `confirm`: pass --findings run.sarif (from `ptxlint analyze --format sarif`)");
        }

        if (RequestedRule is { } requested)
        {
            requested = requested.Trim().ToUpperInvariant();
            if (!System.Text.RegularExpressions.Regex.IsMatch(requested, "^PTX\\d{3}$")) return Fail($"--rule {requested}: expected a rule id such as PTX002");
            var descriptor = found.FirstOrDefault(f => f.Rule.Id == requested)?.Rule ?? new RuleDescriptor
            {
                Id = requested, Name = requested, ShortDescription = requested, FullDescription = requested,
                DefaultLevel = Level.Note, HelpText = "", HelpMarkdown = "",
            };
            var extra = new List<Finding>(found);
            foreach (var k in module.Kernels)
            {
                if (options.Kernel is not null && k.Name != options.Kernel) continue;
                if (found.Any(f => f.Rule.Id == requested && f.FunctionName == k.Name)) continue;
                extra.Add(new Finding(descriptor, Level.Note, $"{requested} experiment requested with --rule (no static finding in {k.Name})",
                    module.LocationOf(k.NameSpan)) { FunctionName = k.Name, Data = new RequestedExperimentData() });
            }
            found = extra;
        }

        var engine = new ConfirmationEngine(options, client);
        var results = await engine.ConfirmAsync(module, found, specs, ct);

        if (SaveSpec is not null) SaveSpecs(module, specs, SaveSpec);
        string report;
        if (format == "sarif")
            report = sarif?.WriteBack() ?? source?.ToSarif(module, found) ?? SarifFindings.WriteMinimal(path, found);
        else
            report = FormatText(path, found, results);
        if (output is not null) AtomicFile.WriteAllText(output.FullName, report);
        else Console.Out.Write(report);
        return 0;
    }

    internal static string FormatText(string path, IReadOnlyList<Finding> findings, IReadOnlyList<(Finding Finding, Confirmation Confirmation)> results)
    {
        var sb = new StringBuilder();
        if (results.Count == 0)
        {
            sb.AppendLine(findings.Count == 0
                ? $"{path}: no findings to confirm"
                : $"{path}: none of the {findings.Count} findings belongs to a confirmable rule (or to the selected kernel)");
            return sb.ToString();
        }
        foreach (var (f, c) in results)
        {
            sb.Append($"{f.Location}: {f.Rule.Id}");
            if (f.FunctionName is not null) sb.Append($" in {f.FunctionName}");
            sb.AppendLine($": {c.Verdict.ToText()}");
            sb.AppendLine($"  {c.Reason}");
            if (c.Evidence.Length > 0)
                foreach (var line in c.Evidence.Split('\n')) sb.AppendLine("    " + line.TrimEnd('\r'));
        }
        var counts = results.GroupBy(r => r.Confirmation.Verdict).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key.ToText()}");
        sb.AppendLine($"{results.Count} findings: {string.Join(", ", counts)}");
        if (results.Any(r => r.Confirmation.Evidence.Contains("assumed no launch spec", StringComparison.Ordinal)))
            sb.AppendLine($"note: launches were inferred (the `assumed` lines); `--save-spec {path}.launch.json` writes them as a launch spec to edit and reuse");
        return sb.ToString();
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine("ptxlint confirm: " + message);
        return 2;
    }

    private static TimeSpan ParseDurationArgument(ArgumentResult r)
    {
        var token = r.Tokens.Count > 0 ? r.Tokens[^1].Value : "10s";
        if (ParseDuration(token) is { } t) return t;
        r.AddError($"invalid duration '{token}': use e.g. 10s, 500ms, 2m");
        return default;
    }

    /// <summary>Parses 10s, 500ms, 2m, 1.5s or a plain number of seconds; null when invalid or not positive.</summary>
    public static TimeSpan? ParseDuration(string text)
    {
        text = text.Trim().ToLowerInvariant();
        (string num, double scale) = text switch
        {
            _ when text.EndsWith("ms", StringComparison.Ordinal) => (text[..^2], 0.001),
            _ when text.EndsWith('s') => (text[..^1], 1.0),
            _ when text.EndsWith('m') => (text[..^1], 60.0),
            _ when text.EndsWith('h') => (text[..^1], 3600.0),
            _ => (text, 1.0),
        };
        if (!double.TryParse(num, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || v <= 0 || double.IsInfinity(v)) return null;
        return TimeSpan.FromSeconds(v * scale);
    }
}
