namespace PtxLint.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        Console.Error.WriteLine("ptxlint: the command line is being built");
        return 2;
    }
}
