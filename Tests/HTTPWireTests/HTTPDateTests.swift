import Testing
import HTTPWire

/// The three HTTP-date forms of RFC 9110 §5.6.7, and what is not one.
struct HTTPDateTests {
    func seconds(_ text: String) -> Int64? { HTTPDate.epochSeconds(Array(text.utf8)) }

    @Test func readsTheThreeForms() {
        #expect(seconds("Sun, 06 Nov 1994 08:49:37 GMT") == 784_111_777)
        #expect(seconds("Sunday, 06-Nov-94 08:49:37 GMT") == 784_111_777)
        #expect(seconds("Sun Nov  6 08:49:37 1994") == 784_111_777)
        #expect(seconds(" Wed, 21 Oct 2015 07:28:00 GMT ") == 1_445_412_480)
        #expect(seconds("Thu, 29 Feb 2024 23:59:59 GMT") == 1_709_251_199)
        #expect(seconds("Monday, 01-Jan-30 00:00:00 GMT") == 1_893_456_000)
        #expect(seconds("Tue Dec 17 10:00:00 2026") == 1_797_501_600)
    }

    @Test func refusesWhatIsNotADate() {
        #expect(seconds("120") == nil)
        #expect(seconds("") == nil)
        #expect(seconds("Sun, 06 Nov 1994 08:49:37 CET") == nil)
        #expect(seconds("Sun, 06 Nov 1994 08:49:37") == nil)
        #expect(seconds("Sun, 6 Nov 1994 08:49:37 GMT") == nil)
        #expect(seconds("Fri, 29 Feb 2023 00:00:00 GMT") == nil)
        #expect(seconds("Sun, 06 Foo 1994 08:49:37 GMT") == nil)
        #expect(seconds("Sun, 06 Nov 1994 24:00:00 GMT") == nil)
        #expect(seconds("Sun, 06 Nov 1994 08:49:37 GMT x") == nil)
    }
}
