using System.Security.Cryptography;
using System.Text;
using Pipeline.Core.Planning;
using Xunit;

namespace Pipeline.Core.Tests.Planning;

/// <summary>The fingerprint hash reads the schema text chunk by chunk: the digest must be that of the whole text's
/// UTF-8 bytes, also when a chunk boundary falls inside a surrogate pair or a text is megabytes long.</summary>
public sealed class FingerprintHashTests
{
    public static TheoryData<string, int> Texts() => new()
    {
        { "empty", 0 },
        { "ascii", 1 },
        { "non-ascii names", 2 },
        { "astral characters at every offset", 3 },
        { "megabytes", 4 },
    };

    [Theory]
    [MemberData(nameof(Texts))]
    public void Hash_of_a_chunked_builder_is_the_SHA256_of_the_whole_texts_UTF8_bytes(string name, int shape)
    {
        _ = name;
        var text = new StringBuilder(capacity: 16); // small first chunk: the appends below grow it in many chunks
        var rng = new Random(10);
        var parts = shape switch
        {
            0 => 0,
            1 => 50,
            2 => 500,
            3 => 3000,
            _ => 60_000,
        };
        for (var i = 0; i < parts; i++)
        {
            text.Append(shape switch
            {
                1 => "table t" + i + "\n",
                2 => "column größe_" + i + " éèçà ",
                3 => new string('x', rng.Next(0, 7)) + "😀𝔘", // surrogate pairs at shifting offsets
                _ => "  column col_" + i + " bigint not null default nextval('s') ✓ 😀\n",
            });
        }

        var chunks = 0;
        foreach (var _ in text.GetChunks())
        {
            chunks++;
        }

        Assert.True(shape < 3 || chunks > 2, "the text should span several chunks");
        var expected = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));

        Assert.Equal(expected, Fingerprints.Hash(text));
    }

    [Fact]
    public void A_lone_surrogate_is_hashed_as_UTF8_replacement_bytes_as_GetBytes_writes_it()
    {
        var text = new StringBuilder("a").Append('\uD83D').Append(new string('b', 5000)).Append('\uDE00');
        var expected = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));

        Assert.Equal(expected, Fingerprints.Hash(text));
    }
}
