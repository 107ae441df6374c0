import Dispatch

/// Runs `first` and `second` at the same time, one each on Dispatch's pool (as many at once as there are
/// cores), and returns both results: for the independent halves of building a large token generation, off
/// the event loops. The two must not touch the same mutable state.
func bothAtOnce<A, B>(_ first: () -> A, _ second: () -> B) -> (A, B) {
    withoutActuallyEscaping(first) { first in
        withoutActuallyEscaping(second) { second in
            var a: A?
            var b: B?
            withUnsafeMutablePointer(to: &a) { a in
                withUnsafeMutablePointer(to: &b) { b in
                    let pair = Pair(first: first, second: second, a: a, b: b)
                    DispatchQueue.concurrentPerform(iterations: 2) { pair.run($0) }
                }
            }
            return (a!, b!)
        }
    }
}

/// The two closures and where each writes its result; shared by the two iterations, each of which runs
/// one closure and writes one result, and both end before the results are read.
private struct Pair<A, B>: @unchecked Sendable {
    let first: () -> A
    let second: () -> B
    let a: UnsafeMutablePointer<A?>
    let b: UnsafeMutablePointer<B?>

    func run(_ which: Int) {
        if which == 0 { a.pointee = first() } else { b.pointee = second() }
    }
}
