package gossip

import (
	"fmt"
	"os"
	"testing"
	"time"
)

// TestMeasure prints failure-detection time and message rates for 3, 6 and
// 20 in-process nodes with node-timeout 2000 ms (Redis's defaults aside).
// Run with DUVA_GOSSIP_MEASURE=1 go test -run TestMeasure -v ./gossip/
func TestMeasure(t *testing.T) {
	if os.Getenv("DUVA_GOSSIP_MEASURE") == "" {
		t.Skip("set DUVA_GOSSIP_MEASURE=1")
	}
	const timeout = 2000 * time.Millisecond
	for _, n := range []int{3, 6, 20} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			nodes := startCluster(t, n, timeout, nil)
			waitFullMesh(t, nodes, 60*time.Second)
			assignEvenly(t, nodes)
			waitAgree(t, nodes, 30*time.Second)

			sum := func() (sent, recv int64) {
				for _, nd := range nodes {
					in := nd.Info()
					sent += in.SentTotal
					recv += in.ReceivedTotal
				}
				return
			}
			const window = 10 * time.Second
			s0, r0 := sum()
			time.Sleep(window)
			s1, r1 := sum()
			perNodeSent := float64(s1-s0) / window.Seconds() / float64(n)
			perNodeRecv := float64(r1-r0) / window.Seconds() / float64(n)

			victim, others := nodes[n-1], nodes[:n-1]
			id := victim.MyID()
			victim.Close()
			killed := time.Now()
			var pfailAll time.Duration
			for {
				all, allP := true, true
				for _, o := range others {
					f, _ := flagsOf(o.Cluster, id)
					if f&FlagFail == 0 {
						all = false
					}
					if f&(FlagFail|FlagPFail) == 0 {
						allP = false
					}
				}
				if allP && pfailAll == 0 {
					pfailAll = time.Since(killed)
				}
				if all {
					break
				}
				if time.Since(killed) > 10*timeout {
					t.Fatalf("not failed after %v", time.Since(killed))
				}
				time.Sleep(2 * time.Millisecond)
			}
			detect := time.Since(killed)
			fmt.Printf("nodes=%d node-timeout=%v: kill->fail?(all)=%v kill->fail(all)=%v (%.2f x node-timeout); msgs/s per node: sent %.1f, received %.1f\n",
				n, timeout, pfailAll.Round(time.Millisecond), detect.Round(time.Millisecond), detect.Seconds()/timeout.Seconds(), perNodeSent, perNodeRecv)
			if detect > 2*timeout {
				t.Errorf("detection %v > 2 x node-timeout", detect)
			}
		})
	}
}
