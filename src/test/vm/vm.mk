# VM test tier (included by the top-level Makefile): real BPF LSM enforcement inside Debian's
# 6.1 and 6.12 kernels under qemu. See src/test/vm/README.md.
VM_DIR := src/test/vm
VM_KERNELS ?= 6.1 6.12
VM_TIMEOUT ?= 1500
VM_RUN := $(VM_DIR)/vm-run

# $(call vm_run,KERNEL,COMMAND...): run COMMAND as root in the KERNEL guest, in the current
# directory, with JDK 25 first on PATH. Files the command writes to $VM_OUT (e.g. JUnit XML)
# land in target/vm-results/KERNEL. Guest-side variables need a guest shell:
# $(call vm_run,6.1,bash -c 'java ... --reports-dir=$$VM_OUT')
vm_run = JAVA_HOME=$(JDK) PATH="$(JDK)/bin:$$PATH" $(VM_RUN) --kernel $(1) --timeout $(VM_TIMEOUT) --out target/vm-results/$(1) -- $(2)

VM_SELFTEST := target/vm-selftest/lsm_smoke

.PHONY: vm-prepare vm-smoke $(VM_KERNELS:%=vm-prepare-%) $(VM_KERNELS:%=vm-smoke-%)

vm-prepare: $(VM_KERNELS:%=vm-prepare-%)

$(VM_KERNELS:%=vm-prepare-%): vm-prepare-%: $(DEPS_STAMP)
	$(VM_DIR)/vm-prepare $*

vm-smoke: $(VM_KERNELS:%=vm-smoke-%)

# Built once here, so that `make -j vm-smoke` does not build it twice in parallel.
$(VM_SELFTEST): $(DEPS_STAMP) $(VM_DIR)/selftest/lsm_smoke.bpf.c $(VM_DIR)/selftest/lsm_smoke.c
	$(VM_DIR)/selftest/run --build

$(VM_KERNELS:%=vm-smoke-%): vm-smoke-%: vm-prepare-% $(VM_SELFTEST)
	$(VM_DIR)/selftest/run $*
