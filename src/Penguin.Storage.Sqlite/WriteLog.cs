using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Penguin.Storage.Sqlite;

/// <summary>One statement a logged write ran on the writer, with its parameters, to be run again on replay.</summary>
internal readonly record struct LoggedStatement(string Sql, (string Name, object? Value)[] Parameters);

/// <summary>
/// The point of durability of the logged writes (sends, acks, read cursors, search indexing): an append-only file
/// next to the database holding the statements of the writes SQLite has not committed yet, one record per group
/// commit, written sequentially and fsynced before the writes are acknowledged. SQLite commits them later, many
/// group commits at a time, so a hot B-tree page is written once for many messages instead of once per commit.
/// The file belongs to an epoch; a SQLite commit that takes in the file's writes records the epoch in the
/// database (PRAGMA user_version, in the same transaction), and the file then starts over with the next epoch. At
/// start a file whose epoch the database has not recorded is replayed: the same statements, in the same order, on
/// the same committed state give the same rows.
/// </summary>
internal sealed class WriteLog : IDisposable
{
    private const int HeaderSize = 8;
    private const int RecordHeaderSize = 12; // length (4) + checksum (8)
    private readonly SafeFileHandle _file;
    private readonly MemoryStream _buffer = new();
    private long _end;

    public WriteLog(string path)
    {
        Path = path;
        _file = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
    }

    public string Path { get; }

    /// <summary>The epoch of the writes being appended now.</summary>
    public long Epoch { get; private set; }

    /// <summary>The writes of the file's epoch when the database has not taken them in (its epoch is newer than <paramref name="applied"/>); the complete records only.</summary>
    public (long Epoch, List<List<LoggedStatement>> Writes) ReadPending(long applied)
    {
        var length = RandomAccess.GetLength(_file);
        var writes = new List<List<LoggedStatement>>();
        if (length < HeaderSize) return (applied, writes);
        var bytes = new byte[length];
        RandomAccess.Read(_file, bytes, 0);
        var epoch = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        if (epoch <= applied) return (applied, writes);
        var at = HeaderSize;
        while (at + RecordHeaderSize <= bytes.Length)
        {
            var size = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(at));
            if (size <= 0 || at + RecordHeaderSize + size > bytes.Length) break;
            var payload = bytes.AsSpan(at + RecordHeaderSize, size);
            // A record cut short by a crash was never acknowledged: it and anything after it are dropped.
            if (BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(at + 4)) != Checksum(payload)) break;
            ReadRecord(payload.ToArray(), writes);
            at += RecordHeaderSize + size;
        }
        return (epoch, writes);
    }

    /// <summary>Empties the file and starts <paramref name="epoch"/>. Not fsynced: the old content, if it survives a crash, is of an epoch the database has.</summary>
    public void Restart(long epoch)
    {
        RandomAccess.SetLength(_file, 0);
        Span<byte> header = stackalloc byte[HeaderSize];
        BinaryPrimitives.WriteInt64LittleEndian(header, epoch);
        RandomAccess.Write(_file, header, 0);
        Epoch = epoch;
        _end = HeaderSize;
    }

    /// <summary>Appends one record with these writes and fsyncs the file; on failure the file is cut back to where it was.</summary>
    public void Append(IEnumerable<IReadOnlyList<LoggedStatement>> writes)
    {
        _buffer.SetLength(RecordHeaderSize);
        _buffer.Position = RecordHeaderSize;
        using (var w = new BinaryWriter(_buffer, Encoding.UTF8, leaveOpen: true))
        {
            foreach (var statements in writes)
            {
                w.Write(statements.Count);
                foreach (var s in statements) WriteStatement(w, s);
            }
        }
        var record = _buffer.GetBuffer().AsSpan(0, (int)_buffer.Length);
        var payload = record[RecordHeaderSize..];
        BinaryPrimitives.WriteInt32LittleEndian(record, payload.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(record[4..], Checksum(payload));
        try
        {
            RandomAccess.Write(_file, record, _end);
            RandomAccess.FlushToDisk(_file);
            _end += record.Length;
        }
        catch (IOException)
        {
            RandomAccess.SetLength(_file, _end);
            throw;
        }
    }

    public void Dispose() => _file.Dispose();

    // The record is: per write, its statement count, then each statement's text and parameters. A write's count is
    // never 0 (writes that changed nothing are not logged), and the record ends where its payload ends.
    private static void ReadRecord(byte[] payload, List<List<LoggedStatement>> writes)
    {
        using var r = new BinaryReader(new MemoryStream(payload), Encoding.UTF8);
        while (r.BaseStream.Position < payload.Length)
        {
            var count = r.ReadInt32();
            var statements = new List<LoggedStatement>(count);
            for (var i = 0; i < count; i++)
            {
                var sql = r.ReadString();
                var parameters = new (string, object?)[r.ReadInt32()];
                for (var p = 0; p < parameters.Length; p++)
                {
                    var name = r.ReadString();
                    parameters[p] = (name, (Tag)r.ReadByte() switch
                    {
                        Tag.Null => null,
                        Tag.Integer => r.ReadInt64(),
                        Tag.Real => r.ReadDouble(),
                        Tag.Text => r.ReadString(),
                        Tag.Blob => r.ReadBytes(r.ReadInt32()),
                        var tag => throw new InvalidDataException($"Unknown value tag {tag} in the write log."),
                    });
                }
                statements.Add(new LoggedStatement(sql, parameters));
            }
            writes.Add(statements);
        }
    }

    private static void WriteStatement(BinaryWriter w, LoggedStatement s)
    {
        w.Write(s.Sql);
        w.Write(s.Parameters.Length);
        foreach (var (name, value) in s.Parameters)
        {
            w.Write(name);
            switch (value)
            {
                case null or DBNull:
                    w.Write((byte)Tag.Null);
                    break;
                case long or int or short or byte or bool:
                    w.Write((byte)Tag.Integer);
                    w.Write(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
                    break;
                case double or float:
                    w.Write((byte)Tag.Real);
                    w.Write(Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture));
                    break;
                case string text:
                    w.Write((byte)Tag.Text);
                    w.Write(text);
                    break;
                case byte[] blob:
                    w.Write((byte)Tag.Blob);
                    w.Write(blob.Length);
                    w.Write(blob);
                    break;
                default:
                    throw new NotSupportedException($"A logged write passed a {value.GetType().Name}; the write log stores integers, reals, text and blobs.");
            }
        }
    }

    private enum Tag : byte { Null, Integer, Real, Text, Blob }

    /// <summary>A fast 64-bit checksum (multiply-xor over 8-byte words): finds a torn or unwritten tail, not an adversary.</summary>
    private static ulong Checksum(ReadOnlySpan<byte> data)
    {
        const ulong prime = 0x100000001B3;
        var h = 0xCBF29CE484222325UL ^ (ulong)data.Length;
        var words = MemoryMarshal.Cast<byte, ulong>(data);
        foreach (var word in words) h = (h ^ word) * prime ^ (h >> 29);
        foreach (var b in data[(words.Length * 8)..]) h = (h ^ b) * prime;
        return h;
    }
}
