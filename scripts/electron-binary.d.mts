/** Path of the installed Electron binary, or null when none is installed (no download is attempted). */
export function electronBinary(): string | null;
