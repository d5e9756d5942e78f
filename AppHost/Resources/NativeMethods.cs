using System.Runtime.InteropServices;

namespace AppHost.Resources;

internal static partial class NativeMethods
{
    internal const int SIGINT = 2;
    internal const int SIGTERM = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    internal static partial int Kill(int pid, int signal);
}
