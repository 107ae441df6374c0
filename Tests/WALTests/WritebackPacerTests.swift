import Testing
@testable import WAL

/// The write-back pacing policy: whole chunks, page-aligned, contiguous, never past what was written.
struct WritebackPacerTests {
    @Test func offersNothingUntilAWholeChunkIsWritten() {
        let pacer = WritebackPacer(chunkBytes: 16384, from: 64)
        #expect(pacer.startedEnd == 0)
        #expect(pacer.due(writtenEnd: 64) == nil)
        #expect(pacer.due(writtenEnd: 16383) == nil)
        #expect(pacer.due(writtenEnd: 16384 + 100) == 0..<16384)
    }

    @Test func rangesFollowEachOtherAndEndOnAPageBoundary() {
        var pacer = WritebackPacer(chunkBytes: 8192, from: 64)
        var covered: [Range<Int>] = []
        var written = 64
        for step in [1000, 5000, 3000, 700, 9000, 12000, 100, 4096] {
            written += step
            if let range = pacer.due(writtenEnd: written) {
                #expect(range.lowerBound % WritebackPacer.pageBytes == 0 && range.upperBound % WritebackPacer.pageBytes == 0)
                #expect(range.upperBound <= written)
                #expect(range.count >= 8192)
                pacer.started(range)
                covered.append(range)
            }
        }
        #expect(covered.first?.lowerBound == 0)
        for (a, b) in zip(covered, covered.dropFirst()) { #expect(a.upperBound == b.lowerBound) }
        #expect(written - (covered.last?.upperBound ?? 0) < 8192 + WritebackPacer.pageBytes, "at most a chunk and a page left behind")
    }

    @Test func aRangeNotStartedIsOfferedAgainGrown() {
        var pacer = WritebackPacer(chunkBytes: 8192, from: 0)
        #expect(pacer.due(writtenEnd: 9000) == 0..<8192)
        // Not started (a sync was in flight): the next offer covers it and what came since.
        #expect(pacer.due(writtenEnd: 20000) == 0..<16384)
        pacer.started(0..<16384)
        #expect(pacer.due(writtenEnd: 20000) == nil)
    }

    @Test func restartFollowsANewOrReopenedSegment() {
        var pacer = WritebackPacer(chunkBytes: 8192, from: 0)
        pacer.started(0..<16384)
        pacer.restart(at: 64)
        #expect(pacer.startedEnd == 0)
        #expect(pacer.due(writtenEnd: 8191) == nil)
        pacer.restart(at: 40000)
        #expect(pacer.startedEnd == 36864)
        #expect(pacer.due(writtenEnd: 45056) == 36864..<45056)
    }

    @Test func aSyncCoversWhatItWrote() {
        var pacer = WritebackPacer(chunkBytes: 8192, from: 0)
        pacer.covered(upTo: 10000)
        #expect(pacer.startedEnd == 8192)
        #expect(pacer.due(writtenEnd: 16000) == nil, "less than a chunk past the sync")
        #expect(pacer.due(writtenEnd: 16384) == 8192..<16384)
        pacer.covered(upTo: 4096)
        #expect(pacer.startedEnd == 8192, "an older sync moves nothing back")
    }
}
