using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Penguin.Cli.Output;
using Penguin.Cli.Runtime;
using Penguin.Client;
using Penguin.Protocol;

namespace Penguin.Cli.Commands;

/// <summary>
/// Files (docs/protocol.md §10): <c>send-file</c> uploads in chunks (秒传 when the server holds the bytes, resumed by
/// itself after a dropped connection) and sends the file as a message; <c>get</c> downloads one, resuming a
/// <c>.part</c> file by Range, checks its SHA-256 and saves it under a safe local name.
/// </summary>
public static class FileCommands
{
    private const string Section = "Files / 文件";
    private const int MaxAttempts = 6;
    private const long DefaultChunk = PenguinClient.DefaultChunkBytes;
    private const long MinChunk = 1024, MaxChunk = 256L * 1024 * 1024;

    public static IEnumerable<CommandSpec> All =>
    [
        new(Section, "send-file", "<number|g:group> <path>",
            "Send a file, picture or voice clip to a friend or a group (g:200001): uploads it with a progress bar, resumes by itself after a dropped connection, instant when the server already has the bytes (秒传)",
            "向好友或群（g:200001）发送文件、图片或语音：带进度条上传，断线后自动续传，服务器已有相同内容时秒传",
            SendFileAsync,
            new("caption", "TEXT", "A caption sent with the file", "随文件发送的说明文字"),
            new("type", "MIME", "The content type (default: from the file name's extension)", "内容类型（默认按扩展名判断）"),
            new("voice", "MS", "Send an audio file as a voice clip of this many milliseconds", "把音频作为语音发送，时长为此毫秒数"),
            new("chunk-size", "BYTES", $"Bytes per upload request (default {DefaultChunk})", $"每次上传请求的字节数（默认 {DefaultChunk}）")),
        new(Section, "get", "<file-id|number#seq|g:group#seq>",
            "Download a file: by its id, or the file of message #seq with a friend (10002#5) or in a group (g:200001#12). Resumes a .part file left by an interrupted run, checks the SHA-256",
            "下载文件：按文件编号，或与好友（10002#5）、群（g:200001#12）中第 #seq 条消息的文件。可续传中断留下的 .part 文件，并校验 SHA-256",
            GetAsync,
            new OptionSpec("out", "DIR", "The directory to save into (default: the current one; created if missing)", "保存到的目录（默认当前目录，不存在则创建）")),
    ];

    // --- send-file -------------------------------------------------------------------------------------

    private static async Task<int> SendFileAsync(Invocation inv)
    {
        var (peer, group) = ParseTarget(inv, inv.Arg(0));
        var path = inv.Arg(1);
        if (string.IsNullOrWhiteSpace(path) || path.Contains('\0', StringComparison.Ordinal))
            throw inv.Usage("Give the path of the file to send.", "请给出要发送的文件路径。");
        if (Directory.Exists(path))
            throw inv.Usage($"'{path}' is a directory; give a file.", $"“{path}”是目录，请给出一个文件。");
        var file = new FileInfo(path);
        if (!file.Exists)
            throw new CliException(Errors.NotFound.With($"There is no file '{path}'.", $"文件“{path}”不存在。"));
        var chunk = inv.LongOption("chunk-size") ?? DefaultChunk;
        if (chunk is < MinChunk or > MaxChunk)
            throw inv.Usage($"--chunk-size must be {MinChunk} to {MaxChunk} bytes.", $"--chunk-size 须为 {MinChunk} 到 {MaxChunk} 字节。");
        var voice = inv.LongOption("voice");
        if (voice is < 0 or > 600_000)
            throw inv.Usage("--voice must be 0 to 600000 milliseconds.", "--voice 须为 0 到 600000 毫秒。");
        var contentType = inv.Option("type") ?? ContentTypeOf(file.Name);

        using var client = inv.Client();
        StoredFile stored;
        bool instant;
        await using (var stream = OpenForReading(file))
            (stored, instant) = await UploadAsync(inv, client, stream, file.Name, contentType, (int)chunk);

        using var lease = inv.TakeSession();
        // Invisible: a connection this short must not flash the user online and offline to their friends.
        var connection = await lease.Client.ConnectAsync(status: PresenceStatus.Invisible, ct: inv.Cancel);
        SentFile sent;
        try
        {
            var caption = inv.Option("caption");
            var duration = (int?)voice;
            sent = group is { } g
                ? new SentFile(stored, instant, GroupMessage: (await connection.SendGroupFileAsync(g, stored.Id, caption, duration, ct: inv.Cancel)).Message)
                : new SentFile(stored, instant, Message: (await connection.SendFileAsync(peer!.Value, stored.Id, caption, duration, ct: inv.Cancel)).Message);
        }
        catch (PenguinException e) when (e.Error.Code == Errors.MessageRefused.Code && peer is { } p)
        {
            throw MessageCommands.Refused(p, e.Error);
        }
        catch (PenguinException e) when (e.Error.Code == Errors.NotFound.Code && peer is not null)
        {
            throw FriendCommands.NoSuchAccount(inv.Arg(0), e.Error);
        }
        finally
        {
            await connection.CloseAsync(); // also disposes
        }

        inv.Out.Result(sent, CliJson.Wire.SentFile, s =>
        {
            if (s.Instant)
                inv.Out.Line("秒传: the server already had these bytes; nothing was uploaded.", "秒传：服务器已有相同内容，无需上传。");
            var size = ProgressBar.Size(s.File.Size);
            var where = s.GroupMessage is { } gm ? $"g:{gm.GroupId}" : s.Message!.To.ToString(CultureInfo.InvariantCulture);
            var seq = s.GroupMessage?.Seq ?? s.Message!.Seq;
            inv.Out.Line($"Sent {s.File.Name} ({size}) to {where} as #{seq} (file {s.File.Id}).",
                $"已发送 {s.File.Name}（{size}）给 {where}，消息 #{seq}（文件 {s.File.Id}）。");
        });
        return 0;
    }

    /// <summary>
    /// Hashes the file, announces it (done at once when the server holds the bytes) and sends it; after a dropped
    /// connection asks the server where the upload stands and continues from there, up to <see cref="MaxAttempts"/> times.
    /// </summary>
    private static async Task<(StoredFile File, bool Instant)> UploadAsync(Invocation inv, PenguinClient client, FileStream stream, string name,
        string contentType, int chunk)
    {
        var hashing = new ProgressBar(inv.Host, inv.Out, inv.Out.T("Hashing  ", "计算校验"), stream.Length);
        var sha256 = await HashAsync(stream, hashing, inv.Cancel);
        hashing.End();

        var request = new CreateUpload(name, stream.Length, sha256, contentType);
        var created = await WithRetriesAsync(inv, () => client.CreateUploadAsync(request, inv.Cancel));
        if (created.File is { } held) return (held, true);

        var uploadId = created.Upload!.Id;
        // The server answers an unfinished upload of these bytes (an earlier run was killed): carry on from its offset.
        if (created.Upload.Offset > 0)
            inv.Host.Error.WriteLine(inv.Out.T(
                $"Resuming an unfinished upload of this file from byte {created.Upload.Offset.ToString(CultureInfo.InvariantCulture)}…",
                $"继续此前未完成的上传，从第 {created.Upload.Offset.ToString(CultureInfo.InvariantCulture)} 字节开始……"));
        var bar = new ProgressBar(inv.Host, inv.Out, inv.Out.T("Uploading", "上传中  "), stream.Length);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var stored = await client.ResumeUploadAsync(uploadId, stream, chunk, bar, attempts: 1, inv.Cancel);
                bar.Report(stream.Length);
                bar.End();
                return (stored, false);
            }
            catch (Exception e) when (IsDropped(e, inv.Cancel) && attempt < MaxAttempts)
            {
                bar.End();
                await Task.Delay(Backoff(attempt), inv.Cancel);
                var offset = await ConfirmedOffsetAsync(client, uploadId, inv.Cancel);
                var at = offset is { } o ? o.ToString(CultureInfo.InvariantCulture) : "?";
                inv.Host.Error.WriteLine(inv.Out.T(
                    $"Connection lost ({Reason(e)}); resuming the upload from byte {at} (attempt {attempt + 1} of {MaxAttempts})…",
                    $"连接中断（{Reason(e)}）；从第 {at} 字节继续上传（第 {attempt + 1} 次，共 {MaxAttempts} 次）……"));
            }
        }
    }

    private static async Task<long?> ConfirmedOffsetAsync(PenguinClient client, string uploadId, CancellationToken ct)
    {
        try
        {
            return (await client.GetUploadAsync(uploadId, ct)).Offset;
        }
        catch (Exception e) when (IsDropped(e, ct))
        {
            return null;
        }
    }

    // --- get -------------------------------------------------------------------------------------------

    private static async Task<int> GetAsync(Invocation inv)
    {
        using var client = inv.Client();
        var fileId = await ResolveFileAsync(inv, client, inv.Arg(0));
        var info = await WithRetriesAsync(inv, () => client.GetFileInfoAsync(fileId, inv.Cancel));

        var outOption = inv.Option("out") ?? ".";
        if (string.IsNullOrWhiteSpace(outOption) || outOption.Contains('\0', StringComparison.Ordinal))
            throw inv.Usage("--out needs a directory.", "--out 需要一个目录。");
        var directory = Path.GetFullPath(outOption);
        if (File.Exists(directory))
            throw inv.Usage($"--out '{directory}' is a file; give a directory.", $"--out “{directory}”是文件，请给出目录。");
        Directory.CreateDirectory(directory);
        var safeName = SafeFileName(info.Name, info.Id);
        // The partial download is named after the bytes too: a .part of another file of the same name is never resumed.
        var part = Inside(directory, $"{safeName}.{info.Sha256[..16]}.part");

        var resumed = File.Exists(part) && new FileInfo(part).Length is var had && had > 0 && had <= info.Size;
        var bar = new ProgressBar(inv.Host, inv.Out, inv.Out.T("Downloading", "下载中"), info.Size);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await DownloadIntoAsync(client, info, part, bar, inv.Cancel);
                bar.End();
                break;
            }
            catch (Exception e) when (IsDropped(e, inv.Cancel) && attempt < MaxAttempts)
            {
                bar.End();
                await Task.Delay(Backoff(attempt), inv.Cancel);
                var at = File.Exists(part) ? new FileInfo(part).Length : 0;
                inv.Host.Error.WriteLine(inv.Out.T(
                    $"Connection lost ({Reason(e)}); resuming the download from byte {at} (attempt {attempt + 1} of {MaxAttempts})…",
                    $"连接中断（{Reason(e)}）；从第 {at} 字节继续下载（第 {attempt + 1} 次，共 {MaxAttempts} 次）……"));
            }
        }

        string digest;
        await using (var check = new FileStream(part, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan))
            digest = Convert.ToHexStringLower(await SHA256.HashDataAsync(check, inv.Cancel));
        if (digest != info.Sha256)
        {
            File.Delete(part);
            throw new CliException(Errors.Internal.With(
                $"The downloaded bytes of '{info.Name}' do not match its SHA-256; the partial file was deleted. Run the command again.",
                $"下载的“{info.Name}”与其 SHA-256 不符，已删除未完成的文件。请重新运行此命令。"));
        }
        var saved = UniquePath(directory, safeName);
        File.Move(part, saved);

        inv.Out.Result(new SavedFile(info, saved, resumed), CliJson.Wire.SavedFile, s =>
            inv.Out.Line($"Saved {s.File.Name} ({ProgressBar.Size(s.File.Size)}) to {s.Path}; SHA-256 checked{(s.Resumed ? ", resumed from an earlier .part" : "")}.",
                $"已保存 {s.File.Name}（{ProgressBar.Size(s.File.Size)}）到 {s.Path}；SHA-256 校验通过{(s.Resumed ? "，续传自之前的 .part 文件" : "")}。"));
        return 0;
    }

    /// <summary>Appends the missing bytes to <paramref name="part"/>: a Range request from its length, or all of it when the server answers 200.</summary>
    private static async Task DownloadIntoAsync(PenguinClient client, StoredFile info, string part, ProgressBar bar, CancellationToken ct)
    {
        var have = File.Exists(part) ? new FileInfo(part).Length : 0;
        if (have > info.Size)
        {
            File.Delete(part);
            have = 0;
        }
        bar.Report(have);
        if (have == info.Size && info.Size > 0) return;
        using var response = await client.DownloadAsync(info.Id, have, ct);
        var append = have > 0 && response.StatusCode == HttpStatusCode.PartialContent && response.Content.Headers.ContentRange?.From == have;
        if (!append) have = 0;
        await using var output = new FileStream(part, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        await using var input = await response.Content.ReadAsStreamAsync(ct);
        var buffer = new byte[1 << 16];
        int read;
        while ((read = await input.ReadAsync(buffer, ct)) > 0)
        {
            await output.WriteAsync(buffer.AsMemory(0, read), ct);
            have += read;
            bar.Report(have);
        }
        await output.FlushAsync(ct);
        if (have != info.Size) throw new IOException($"the download ended after {have} of {info.Size} bytes");
    }

    /// <summary>A file id as given, or the attachment of message #seq with a friend (<c>10002#5</c>) or in a group (<c>g:200001#12</c>).</summary>
    private static async Task<string> ResolveFileAsync(Invocation inv, PenguinClient client, string spec)
    {
        if (spec.Length == 32 && spec.All(char.IsAsciiHexDigitLower)) return spec;
        var hash = spec.LastIndexOf('#');
        if (hash <= 0 || !long.TryParse(spec.AsSpan(hash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var seq) || seq < 1)
            throw inv.Usage($"'{spec}' is not a file id (32 hex digits), number#seq or g:group#seq.", $"“{spec}”不是文件编号（32 位十六进制）、账号#序号或 g:群号#序号。");
        var (peer, group) = ParseTarget(inv, spec[..hash]);
        Attachment? attachment;
        bool found;
        if (group is { } g)
        {
            var page = await client.GetGroupHistoryAsync(g, before: seq + 1, limit: 1, ct: inv.Cancel);
            var message = page.Messages.FirstOrDefault(m => m.Seq == seq);
            (found, attachment) = (message is not null, message?.Attachment);
        }
        else
        {
            var page = await client.GetHistoryAsync(peer!.Value, before: seq + 1, limit: 1, ct: inv.Cancel);
            var message = page.Messages.FirstOrDefault(m => m.Seq == seq);
            (found, attachment) = (message is not null, message?.Attachment);
        }
        if (!found)
            throw new CliException(Errors.NotFound.With($"There is no message #{seq} in {spec[..hash]} that you can see.", $"在 {spec[..hash]} 中没有你能看到的第 #{seq} 条消息。"));
        return attachment?.FileId ?? throw new CliException(Errors.NotFound.With(
            $"Message #{seq} in {spec[..hash]} carries no file (or it was recalled).", $"{spec[..hash]} 中的第 #{seq} 条消息没有文件（或已撤回）。"));
    }

    // --- shared ----------------------------------------------------------------------------------------

    /// <summary>A friend's number, or a group as <c>g:200001</c>.</summary>
    internal static (long? Peer, long? Group) ParseTarget(Invocation inv, string text)
    {
        var isGroup = text.StartsWith("g:", StringComparison.OrdinalIgnoreCase);
        var digits = isGroup ? text[2..] : text;
        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id <= 0)
            throw inv.Usage($"'{text}' is neither an account number nor a group (g:200001).", $"“{text}”既不是账号也不是群（g:200001）。");
        return isGroup ? (null, id) : (id, null);
    }

    /// <summary>
    /// A name that is safe to create in the chosen directory whatever the server sent: its last path segment only,
    /// without control, formatting or reserved characters, not hidden, not '.' or '..', at most 200 characters.
    /// </summary>
    internal static string SafeFileName(string name, string fileId)
    {
        var last = name.Split('/', '\\').LastOrDefault(s => s.Length > 0) ?? "";
        var invalid = Path.GetInvalidFileNameChars();
        var kept = new StringBuilder(last.Length);
        foreach (var c in last)
        {
            var category = CharUnicodeInfo.GetUnicodeCategory(c);
            if (char.IsControl(c) || category is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                || invalid.Contains(c) || c is ':' or '*' or '?' or '"' or '<' or '>' or '|')
                continue;
            kept.Append(c);
        }
        var safe = kept.ToString().Trim().TrimStart('.').TrimEnd('.', ' ');
        if (safe.Length > 200)
        {
            var extension = Path.GetExtension(safe);
            safe = extension.Length is > 0 and <= 16 ? safe[..(200 - extension.Length)] + extension : safe[..200];
        }
        return safe.Length == 0 ? $"file-{fileId}" : safe;
    }

    /// <summary>The path of <paramref name="name"/> in <paramref name="directory"/>; refuses anything that would land outside it.</summary>
    private static string Inside(string directory, string name)
    {
        var path = Path.GetFullPath(Path.Combine(directory, name));
        var root = Path.TrimEndingDirectorySeparator(directory) + Path.DirectorySeparatorChar;
        if (!path.StartsWith(root, StringComparison.Ordinal))
            throw new CliException(Errors.InvalidField.With($"The file name '{name}' would be saved outside {directory}; refused.", $"文件名“{name}”会保存到 {directory} 之外，已拒绝。"));
        return path;
    }

    /// <summary>Never overwrites: "name.ext", else "name (1).ext", "name (2).ext"…</summary>
    private static string UniquePath(string directory, string name)
    {
        var path = Inside(directory, name);
        var stem = Path.GetFileNameWithoutExtension(name);
        var extension = Path.GetExtension(name);
        for (var i = 1; File.Exists(path) || Directory.Exists(path); i++)
            path = Inside(directory, $"{stem} ({i}){extension}");
        return path;
    }

    internal static string ContentTypeOf(string name)
    {
        var extension = Path.GetExtension(name);
        return string.IsNullOrEmpty(extension) ? "application/octet-stream" : MimeTypes.MimeTypeMap.GetMimeType(extension.ToLowerInvariant());
    }

    private static FileStream OpenForReading(FileInfo file)
    {
        try
        {
            return new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (UnauthorizedAccessException)
        {
            throw new CliException(Errors.Forbidden.With($"Cannot read '{file.FullName}': permission denied.", $"无法读取“{file.FullName}”：没有权限。"));
        }
    }

    private static async Task<string> HashAsync(Stream stream, ProgressBar bar, CancellationToken ct)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        long done = 0;
        int read;
        stream.Position = 0;
        while ((read = await stream.ReadAsync(buffer, ct)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            done += read;
            bar.Report(done);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>A request that failed with the network (or a moment of contention), not with a refusal: worth another try.</summary>
    private static bool IsDropped(Exception e, CancellationToken ct) =>
        !ct.IsCancellationRequested && e is HttpRequestException or IOException or TaskCanceledException
            or PenguinException { Error.Code: "upload_busy" or "unavailable" or "upload_offset_mismatch" };

    private static async Task<T> WithRetriesAsync<T>(Invocation inv, Func<Task<T>> call)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (Exception e) when (IsDropped(e, inv.Cancel) && attempt < MaxAttempts)
            {
                await Task.Delay(Backoff(attempt), inv.Cancel);
            }
        }
    }

    private static TimeSpan Backoff(int attempt) => TimeSpan.FromMilliseconds(Math.Min(250 * (1 << (attempt - 1)), 8000));

    private static string Reason(Exception e) => e is PenguinException p ? p.Error.Code : e.Message;
}
