using System;
using System.Buffers.Binary;
using System.IO;
using CnnGen.Data;
using Xunit;

namespace CnnGen.Tests.Data
{
    public class IdxSizeMessageTests
    {
        [Fact]
        public void Dimensions_too_large_for_memory_are_printed_as_numbers()
        {
            var header = new byte[16];
            BinaryPrimitives.WriteUInt32BigEndian(header, 0x803);
            BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), 65536);
            BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(8), 65536);
            BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(12), 3);
            var e = Assert.Throws<InvalidDataException>(() => IdxReader.Read(new MemoryStream(header), "huge-images-idx3-ubyte", 3));
            Assert.Contains("huge-images-idx3-ubyte: dimensions [65536, 65536] describe more than", e.Message);
            Assert.DoesNotContain("System.Int32[]", e.Message);
        }
    }
}
