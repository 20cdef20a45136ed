// Package release prepares a coded or delivered file for release to a
// researcher: statistical disclosure control on the machine that holds the
// file, since the TTP never sees payload (DESIGN §2). It takes from ARX and
// sdcMicro what fits a command-line tool:
//
//   - generalisation of columns (Rule): a date to its year, its year and
//     month, or an age (in bands) at a reference date; a postcode to its
//     four digits or to a region from a lookup file; rare categories to
//     "other";
//   - a k-anonymity report over the quasi-identifiers the user names
//     (Stats): the smallest class, the records in classes below k, and for
//     each quasi-identifier how many records would stay below k without
//     it, which says which columns drive the risk;
//   - suppression until every class has at least k records (Plan). By
//     default cells, as sdcMicro's local suppression does: a record in a
//     small class keeps its payload and loses the quasi-identifier values
//     that make it rare, the one with the most distinct values first.
//     Dropping whole records (ARX's record suppression, -suppress records)
//     loses exactly the rare cases, such as rare tumours, a study is
//     often about, and biases every count. A record that is still in a
//     class below k with every quasi-identifier suppressed is left out;
//   - aggregate tables of one or two columns (Protect) with primary
//     suppression of every figure below a threshold and complementary
//     suppression so that no suppressed figure can be recomputed from the
//     figures shown.
//
// # Who it defends against
//
// A table's reader knows every figure shown, that rows and columns add up
// to their totals, that counts are whole numbers, and, since zeros are
// always shown, that every suppressed figure is at least 1. Protect makes
// sure that, with all of that, each suppressed figure can still take
// another value: it lies on a cycle of suppressed figures along which one
// patient can be moved without breaking a total or making a suppressed
// figure 0. That is exact recomputation, the bar of sdcTable's simple
// heuristic; it does not guarantee a protection interval (how far from
// the true value the reader's bounds lie), as τ-ARGUS can.
//
// A released record file is k-anonymous over the named quasi-identifiers
// with a suppressed value ("*") read as a value of its own. Columns that
// are not named pass unchanged, after the identifier guard
// (package columnguard) has refused those whose names say they identify.
package release
