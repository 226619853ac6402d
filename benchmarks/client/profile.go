package main

import (
	"errors"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
)

// startProfiles starts the profiles p asks for over the measured window;
// the returned func stops them and writes the files.
func startProfiles(p *params) (func() error, error) {
	var cpuFile *os.File
	if p.cpuProf != "" {
		f, err := os.Create(p.cpuProf)
		if err != nil {
			return nil, err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return nil, err
		}
		cpuFile = f
	}
	if p.memProf != "" {
		runtime.MemProfileRate = 1
	}
	var traceFile *os.File
	if p.execTrace != "" {
		f, err := os.Create(p.execTrace)
		if err == nil {
			err = trace.Start(f)
		}
		if err != nil {
			if cpuFile != nil {
				pprof.StopCPUProfile()
				cpuFile.Close()
			}
			return nil, err
		}
		traceFile = f
	}
	return func() error {
		var errs []error
		if traceFile != nil {
			trace.Stop()
			errs = append(errs, traceFile.Close())
		}
		if cpuFile != nil {
			pprof.StopCPUProfile()
			errs = append(errs, cpuFile.Close())
		}
		if p.memProf != "" {
			f, err := os.Create(p.memProf)
			if err != nil {
				return errors.Join(append(errs, err)...)
			}
			errs = append(errs, pprof.Lookup("allocs").WriteTo(f, 0), f.Close())
		}
		return errors.Join(errs...)
	}, nil
}

// writeHeapProfile writes what is live now, for the idle-memory mode.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
