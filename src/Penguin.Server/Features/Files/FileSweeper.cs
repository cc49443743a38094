using Penguin.Core.Common;
using Penguin.Core.Files;

namespace Penguin.Server.Features.Files;

/// <summary>Every <see cref="FilesOptions.SweepInterval"/> (on the server's clock, so tests move it): abandoned uploads, unreferenced bytes and avatars nobody uses go.</summary>
public sealed partial class FileSweeper(FilesService files, AvatarService avatars, FilesOptions options, TimeProvider time, ILogger<FileSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.SweepInterval, time, stoppingToken);
                var (uploads, blobs) = await files.SweepAsync(stoppingToken);
                var unused = await avatars.SweepAsync(stoppingToken);
                if (uploads + blobs + unused > 0) Swept(uploads, blobs, unused);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is StorageUnavailableException or IOException or UnauthorizedAccessException)
            {
                SweepFailed(e);
            }
        }
    }

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Files swept: {Uploads} abandoned uploads, {Blobs} unreferenced blobs and {Avatars} unused avatars removed")]
    private partial void Swept(int uploads, int blobs, int avatars);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Warning, Message = "File sweep failed; trying again at the next interval")]
    private partial void SweepFailed(Exception e);
}
