/*
 * The firmware control for the Secure Boot suite: a gnu-efi application that
 * prints one line (with the SecureBoot variable as the firmware sees it) and
 * powers the machine off. Signed with the enrolled key it runs; unsigned, the
 * firmware must refuse to start it.
 *
 * efi_main is not EFIAPI: gnu-efi's x86_64 crt0 calls it with the SysV
 * convention and converts calls into the firmware (uefi_call_wrapper).
 */
#include <efi.h>
#include <efilib.h>

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st)
{
	EFI_GUID global = EFI_GLOBAL_VARIABLE;
	UINT8 sb = 0xff;
	UINTN size = sizeof(sb);

	InitializeLib(image, st);
	if (uefi_call_wrapper(RT->GetVariable, 5, L"SecureBoot", &global, NULL, &size, &sb) !=
	    EFI_SUCCESS)
		sb = 0xff;
	Print(L"dumpling-sb-hello: started, SecureBoot=%d\n", (int)sb);
	uefi_call_wrapper(RT->ResetSystem, 4, EfiResetShutdown, EFI_SUCCESS, 0, NULL);
	return EFI_SUCCESS;
}
