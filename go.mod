module github.com/ttpnl/ttp

go 1.26
