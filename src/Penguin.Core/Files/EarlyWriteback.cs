using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Penguin.Core.Files;

/// <summary>
/// Starts writing a file's dirty pages to disk while more bytes are still arriving (Linux <c>sync_file_range</c>,
/// SYNC_FILE_RANGE_WRITE: asynchronous, no wait), so the fsync that must precede confirming a chunk finds them mostly
/// written. It does not replace that fsync; elsewhere, or when the call fails, it does nothing.
/// </summary>
internal static class EarlyWriteback
{
    private const uint SyncFileRangeWrite = 2;

    public static void Start(SafeFileHandle file, long offset, long length)
    {
        if (!OperatingSystem.IsLinux() || length <= 0) return;
        try
        {
            _ = SyncFileRange((int)file.DangerousGetHandle(), offset, length, SyncFileRangeWrite);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not available: the fsync alone makes the bytes durable, only later.
        }
    }

    // DllImport with blittable arguments: no generated marshalling, so no unsafe code in this project.
#pragma warning disable SYSLIB1054
    [DllImport("libc", EntryPoint = "sync_file_range")]
    private static extern int SyncFileRange(int fd, long offset, long nbytes, uint flags);
#pragma warning restore SYSLIB1054
}
