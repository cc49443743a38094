#:package NetVips
#:package NetVips.Native.linux-x64
// For scripts/bench-files.sh: writes <count> different 4000×3000 JPEGs of noise (the worst case for entropy
// decoding) as <dir>/photo1.jpg … Usage: dotnet run scripts/make-jpeg.cs <dir> <count>
using NetVips;

for (var k = 1; k <= int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture); k++)
{
    using var noise = Image.Gaussnoise(4000, 3000, mean: 128, sigma: 60, seed: k);
    using var rgb = noise.Bandjoin(noise.Invert(), noise.Flip(Enums.Direction.Horizontal)).Cast(Enums.BandFormat.Uchar);
    rgb.Jpegsave(Path.Combine(args[0], $"photo{k}.jpg"), q: 90);
}
