package dev.filewall.cli;

import dev.filewall.daemon.Doctor;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = {"Check that this machine can run filewall, and that it does: kernel version,",
                "BTF, kernel config, the active LSMs (lsm=), whether BPF LSM programs load,",
                "lockdown, libbpf, bpffs, the pins and the daemon. One line per check (ok,",
                "WARN or FAIL) with what to change; exit 0 when all are ok, else 3.",
                "Run it as root: the program and link checks need it."})
final class DoctorCommand implements Callable<Integer> {
    @Mixin ControlCommands.PidFile pid;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        return new Doctor(Path.of("/"), Doctor.LOCAL, pid.pidFile).report(spec.commandLine().getOut());
    }
}
